import GuestSupport
import HypervisorCore

/// Exceptions a guest did not expect end it with a report (and SCHEDOP_shutdown
/// with reason crash). A test can expect one: `Faults.expect { ... }` runs the
/// body, skips a faulting instruction and returns what was caught.
public enum Faults {
    public enum Kind: UInt32 {
        case undefined = 1, supervisorCall = 2, prefetchAbort = 3, dataAbort = 4, fiq = 7
    }

    nonisolated(unsafe) static var expecting = false
    nonisolated(unsafe) static var caught: Kind? = nil
    nonisolated(unsafe) static var caughtAddress: UInt32 = 0

    /// Runs `body`; a data abort or undefined instruction inside it is recorded,
    /// the instruction skipped, and execution continues after it.
    public static func expect(_ body: () -> Void) -> (kind: Kind, pc: UInt32)? {
        caught = nil
        expecting = true
        g_dsb()  // a compiler barrier too: the stores above and the fault handler's
        body()   // writes must not be folded away around the body
        g_dsb()
        expecting = false
        guard let kind = caught else { return nil }
        return (kind, caughtAddress)
    }
}

@c(guest_exception)
func guestException(_ kind: UInt32, _ frame: UnsafeMutablePointer<guest_exception_frame>) {
    if Faults.expecting, Faults.caught == nil, let kind = Faults.Kind(rawValue: kind) {
        Faults.caught = kind
        Faults.caughtAddress = frame.pointee.pc
        frame.pointee.pc &+= 4  // ARM state: skip the faulting instruction
        return
    }
    var out = GuestConsole()
    out.write("guest exception ")
    out.write(decimal: kind)
    out.write(" at pc ")
    out.write(hex: frame.pointee.pc)
    out.write("; shutting down (crash)")
    out.newline()
    Hypervisor.shutdown(.crash)
}
