import HVRegs
import HypervisorCore

/// The hypervisor console on UART0. A zero-sized sink: `var out = Console()`
/// anywhere, then the TextSink methods (text, decimal, hex, fields). The
/// hypervisor's own lines never start with `[`: that is a guest line's start
/// (GuestConsoleOutput).
struct Console: TextSink {
    static let uart = PL011(base: UInt(UART0_BASE))

    static func enable() { uart.enable() }

    mutating func write(byte: UInt8) {
        // A guest's unfinished line goes out first, marked: it never absorbs this one.
        if GuestConsoleOutput.pending != 0 { GuestConsoleOutput.writePending() }
        if byte == 0x0A { Console.uart.send(0x0D) }
        Console.uart.send(byte)
    }

    static func drain() { uart.drain() }
}
