import GuestSupport
import HypervisorCore

/// UART0, a PL011 passed through to this VM, driven by polling: the
/// backend writes whole lines from its main loop and never needs the
/// UART's interrupt.
struct UART: TextSink {
    static let base: UInt = 0x1C09_0000
    static let data: UInt = 0x00          // UARTDR
    static let flags: UInt = 0x18         // UARTFR
    static let transmitFull: UInt32 = 1 << 5  // UARTFR.TXFF
    /// Polls of a full FIFO before writing anyway: a stuck UART costs
    /// characters, not the whole console.
    static let patience = 100_000

    mutating func write(byte: UInt8) {
        if byte == 0x0A { put(0x0D) }  // terminals want "\r\n"
        put(byte)
    }

    private func put(_ byte: UInt8) {
        var polls = 0
        while g_mmio_read32(UART.base + UART.flags) & UART.transmitFull != 0, polls < UART.patience { polls += 1 }
        g_mmio_write32(UART.base + UART.data, UInt32(byte))
    }
}
