import GuestRuntime
import GuestSupport
import HypervisorCore

/// Instructions PL1 must not get away with: an HVC with an immediate other
/// than Xen's 0xEA1 (the hypervisor injects an undefined instruction), a read
/// of a HYP-only register (the CPU makes it undefined at PL1), and an SMC
/// for a PSCI function that does not exist (NOT_SUPPORTED, or undefined).
func attackPrivilegedInstructions(_ attempts: inout Attempts) {
    let hvc = expectFault { ForbiddenInstruction.hypervisorCallWithWrongImmediate() }
    attempts.record("hostile-hvc-wrong-immediate", refused: hvc == .undefined)

    let hvbar = expectFault { _ = ForbiddenInstruction.readHypervisorVectorBase() }
    attempts.record("hostile-read-hvbar", refused: hvbar == .undefined)

    var result: UInt32 = 0
    let smc = expectFault { result = guest_smc(0x8400_00FF, 0, 0, 0) }
    let notSupported = UInt32(bitPattern: PSCIResult.notSupported.rawValue)
    attempts.record("hostile-psci-unknown-function", refused: smc == nil ? result == notSupported : smc == .undefined)
}
