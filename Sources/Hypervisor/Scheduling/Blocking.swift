import HVRegs
import HypervisorCore

/// A VCPU that waits for an interrupt (WFI, SCHEDOP_block) leaves the CPU
/// unless one is already pending; if its virtual timer is armed, the
/// hypervisor wakes it at the timer's deadline.
enum Blocking {
    /// The VCPU on this CPU, of `vm`, waits.
    static func blockUntilInterrupt(vm: Int) {
        if VirtualInterrupts.hasDeliverable(vm: vm) || timerExpired() { return }
        if RunEnd.stopConsoleBackendIfDone(vm: vm) { return }
        Scheduling.block(VCPUs.current, wakeAt: timerDeadline())
    }

    /// The running VCPU's virtual timer condition is met (it would fire).
    private static func timerExpired() -> Bool {
        let control = hv_read_cntv_ctl()
        return control & 0b011 == 0b001 && hv_read_cntv_cval() <= hv_read_cntvct()
    }

    /// When the running VCPU's virtual timer fires, or never.
    private static func timerDeadline() -> Instant {
        let control = hv_read_cntv_ctl()
        guard control & 0b011 == 0b001 else { return .never }
        // CNTVOFF is zero for every VM, so virtual and physical counts agree.
        return Clock.instant(ticks: hv_read_cntv_cval())
    }
}
