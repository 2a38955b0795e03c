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
    attackSecondaryVCPUs(&attempts)
}

/// PSCI for VCPUs it does not have: this VM has one (VCPU 0, the caller).
/// CPU_ON of VCPU 1 or of a VCPU in another cluster is INVALID_PARAMETERS,
/// CPU_ON of itself ALREADY_ON, AFFINITY_INFO above level 0 INVALID_PARAMETERS;
/// AFFINITY_INFO of itself answers ON (0).
func attackSecondaryVCPUs(_ attempts: inout Attempts) {
    func psci(_ function: PSCIFunction, _ a0: UInt32, _ a1: UInt32, _ a2: UInt32, expect: PSCIResult) -> Bool {
        var result: UInt32 = 0
        let fault = expectFault { result = guest_smc(function.rawValue, a0, a1, a2) }
        return fault == nil && result == UInt32(bitPattern: expect.rawValue)
    }
    let entry = guestRAMBase  // an entry inside its RAM: only the target is wrong
    attempts.record("hostile-psci-cpu-on-missing-vcpu", refused: psci(.cpuOn, 1, entry, 0, expect: .invalidParameters))
    attempts.record("hostile-psci-cpu-on-other-cluster", refused: psci(.cpuOn, 0x100, entry, 0, expect: .invalidParameters))
    attempts.record("hostile-psci-cpu-on-self", refused: psci(.cpuOn, 0, entry, 0, expect: .alreadyOn))
    attempts.record("hostile-psci-affinity-level", refused: psci(.affinityInfo, 0, 1, 0, expect: .invalidParameters))
    attempts.record("hostile-psci-affinity-self-on", refused: psci(.affinityInfo, 0, 0, 0, expect: .success))
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
