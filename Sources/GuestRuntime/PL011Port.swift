import GuestSupport
import HypervisorCore

/// A PL011 UART passed through to this VM (UART1 at 0x1C0A0000 on
/// vexpress-a15), polled: no interrupt, no FIFO setup beyond what the
/// firmware (QEMU) left. As a `TextSink` it takes the same formatting as the
/// console; `\n` goes out as `\r\n`.
public struct PL011Port: TextSink {
    public static let uart0 = UInt(VexpressA15Devices.uart0)
    public static let uart1 = UInt(VexpressA15Devices.uart1)

    static let data: UInt = 0x00               // UARTDR
    static let flags: UInt = 0x18              // UARTFR
    static let receiveEmpty: UInt32 = 1 << 4   // UARTFR.RXFE
    static let transmitFull: UInt32 = 1 << 5   // UARTFR.TXFF
    /// Polls of a full FIFO before writing anyway: a stuck UART costs
    /// characters, not the guest.
    static let patience = 100_000

    public let base: UInt

    public init(base: UInt) { self.base = base }

    public mutating func write(byte: UInt8) {
        if byte == 0x0A { put(0x0D) }  // terminals want "\r\n"
        put(byte)
    }

    /// Sends one byte as it is, once the transmit FIFO has room.
    public func put(_ byte: UInt8) {
        var polls = 0
        while g_mmio_read32(base + Self.flags) & Self.transmitFull != 0, polls < Self.patience { polls += 1 }
        g_mmio_write32(base + Self.data, UInt32(byte))
    }

    /// Writes `text` and a newline.
    public mutating func line(_ text: StaticString) {
        write(text)
        newline()
    }

    /// A received byte, or nil when the receive FIFO is empty.
    public func read() -> UInt8? {
        guard g_mmio_read32(base + Self.flags) & Self.receiveEmpty == 0 else { return nil }
        return UInt8(truncatingIfNeeded: g_mmio_read32(base + Self.data))
    }
}
