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

/// The hypervisor watches that VMs make progress on the PMU's last event
/// counter, counting guest instructions; HDCR.HPMN hides it from PL1, but
/// QEMU (and ARMv7, as UNPREDICTABLE) may let PL1 reach it anyway. This
/// guest reprograms and disables it, then yields: the next scheduling
/// decision must have put it back (or it was out of reach all along). The
/// test also checks that nobody was reported starved.
func attackProgressCounter(_ attempts: inout Attempts) {
    let hidden = (g_read_pmcr() &>> 11) & 0x1F  // the counters PL1 is told about
    // The hypervisor's counter is the one past them, or (PMCR.N not narrowed) the last of them.
    for index in max(hidden, 1) &- 1 ... hidden where index < 31 {
        g_write_pmselr(index)
        let before = g_read_pmxevtyper()
        guard before & 0x3FF == 0x08 else { continue }  // not the instructions-retired counter
        let tampered: UInt32 = 0x00  // SW_INCR: never moves on its own
        _ = expectFault {
            g_write_pmxevtyper(tampered)
            g_write_pmcntenclr(1 &<< index)
        }
        Hypervisor.yield()
        g_write_pmselr(index)
        attempts.record("hostile-progress-counter-restored", refused: g_read_pmxevtyper() & 0x3FF == 0x08)
        return
    }
    note("progress counter out of reach from PL1")
}
