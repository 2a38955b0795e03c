import GuestSupport
import HypervisorCore

/// The hypercalls a guest makes, in Xen's ARM convention.
public enum Hypervisor {
    /// Raw call: the result register as Xen returns it (negative = -errno).
    @inline(__always)
    public static func call(_ op: Hypercall, _ a0: UInt32 = 0, _ a1: UInt32 = 0, _ a2: UInt32 = 0, _ a3: UInt32 = 0) -> Int32 {
        Int32(bitPattern: guest_hypercall(op.rawValue, a0, a1, a2, a3))
    }

    /// console_io write of `count` bytes at `address` (guest-physical).
    public static func consoleWrite(address: UInt32, count: UInt32) -> Int32 {
        call(.consoleIO, ConsoleIOCommand.write.rawValue, count, address)
    }

    public static func xenVersion() -> Int32 { call(.xenVersion, XenVersionCommand.version.rawValue) }

    public static func yield() { _ = call(.schedOp, SchedOpCommand.yield.rawValue) }

    /// Blocks until an interrupt is pending for this VCPU (interrupts may be masked).
    public static func block() { _ = call(.schedOp, SchedOpCommand.block.rawValue) }

    /// SCHEDOP_shutdown: the argument is a pointer to `struct sched_shutdown { reason }`.
    public static func shutdown(_ reason: ShutdownReason) -> Never {
        var request = reason.rawValue
        withUnsafeMutablePointer(to: &request) { pointer in
            _ = call(.schedOp, SchedOpCommand.shutdown.rawValue, UInt32(UInt(bitPattern: pointer)))
        }
        // A hypervisor that returned from shutdown is broken; stop here.
        while true { g_wfi() }
    }
}

@c(guest_shutdown)
func guestShutdownFromAssembly(_ reason: UInt32) {
    Hypervisor.shutdown(ShutdownReason(rawValue: reason) ?? .crash)
}
