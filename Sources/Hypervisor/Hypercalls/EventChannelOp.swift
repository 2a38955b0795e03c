import HVRegs
import HypervisorCore

extension Hypercalls {
    /// event_channel_op: the core's EventChannelTable decides; a notification
    /// it returns is delivered.
    static func eventChannelOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        guard let size = EventChannelCommand(rawValue: frame.pointee.r.0)?.argumentSize else {
            Hypercalls.fail(frame, .notImplemented)
            return
        }
        guard let arguments = GuestVirtualMemory.bytes(vm: vm, virtual: frame.pointee.r.1, length: size, write: true) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let outcome = EventAndGrantTables.events.perform(command: frame.pointee.r.0, caller: UInt16(truncatingIfNeeded: vm), arguments: arguments)
        Hypercalls.result(frame, outcome.registerValue)
        EventAndGrantTables.deliver(outcome.notification)
    }
}
