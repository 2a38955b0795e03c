import HVRegs
import HypervisorCore

extension Hypercalls {
    /// sched_op: yield, block until an interrupt, shut down.
    static func schedOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, command: UInt32, argument: UInt32) {
        switch SchedOpCommand(rawValue: command) {
        case .yield:
            Hypercalls.result(frame, 0)
            Scheduling.yield(VCPUs.current)
        case .block:
            Hypercalls.result(frame, 0)
            Blocking.blockUntilInterrupt(vm: vm)
        case .shutdown:
            guard let request = GuestVirtualMemory.bytes(vm: vm, virtual: argument, length: 4, write: false) else {
                Hypercalls.fail(frame, .fault)
                return
            }
            guard let reason = ShutdownReason(rawValue: request.load(as: UInt32.self)) else {
                Hypercalls.fail(frame, .invalid)
                return
            }
            Hypercalls.result(frame, 0)
            // A reboot restarts the VM where it can; elsewhere it stops with reason reboot
            // (what Xen's toolstack does with on_reboot="destroy").
            if reason == .reboot, VMRestart.restart(vm: vm, frame: frame, because: "SCHEDOP_shutdown reboot") { return }
            VMStop.stop(vm: vm, frame: frame, reason: .shutdown(reason))
        case .poll, nil:
            Hypercalls.fail(frame, .notImplemented)
        }
    }
}
