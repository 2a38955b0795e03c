import HVRegs
import HypervisorCore

/// A VCPU that waits for an interrupt (WFI, SCHEDOP_block) leaves the CPU
/// unless one is already pending; if its virtual timer is armed, the
/// hypervisor wakes it at the timer's deadline.
enum Blocking {
    /// The VCPU on this CPU, of `vm`, waits.
    static func blockUntilInterrupt(vm: Int) {
        if VirtualInterrupts.hasDeliverable(vm: vm) { return }
        let timer = armedTimer
        if let timer, timer <= hv_read_cntvct() { return }  // it would fire now
        if RunEnd.stopConsoleBackendIfDone(vm: vm) { return }
        // CNTVOFF is zero for every VM, so virtual and physical counts agree.
        Scheduling.block(VCPUs.current, wakeAt: timer.map { Clock.instant(ticks: $0) } ?? .never)
    }

    /// The running VCPU's virtual timer compare value when the timer is
    /// armed (enabled, not masked), read once for both questions above.
    private static var armedTimer: UInt64? {
        hv_read_cntv_ctl() & 0b011 == 0b001 ? hv_read_cntv_cval() : nil
    }
}
