import GuestSupport
import HypervisorCore

/// UART0, a PL011 passed through to this VM. Output is polled: the backend
/// writes whole lines from its main loop. Input raises IRQ 37, which only
/// wakes the loop; the loop reads the receive FIFO itself (ConsoleInput).
struct UART: TextSink {
    static let base: UInt = 0x1C09_0000
    static let data: UInt = 0x00          // UARTDR
    static let flags: UInt = 0x18         // UARTFR
    static let control: UInt = 0x30       // UARTCR
    static let interruptMask: UInt = 0x38 // UARTIMSC
    static let interruptClear: UInt = 0x44 // UARTICR
    static let transmitFull: UInt32 = 1 << 5   // UARTFR.TXFF
    static let receiveEmpty: UInt32 = 1 << 4   // UARTFR.RXFE
    static let receiveEnable: UInt32 = 1 << 9  // UARTCR.RXE
    /// UARTIMSC.RXIM and RTIM: a byte arrived, or bytes wait in the FIFO.
    static let receiveInterrupts: UInt32 = (1 << 4) | (1 << 6)
    static let interrupt: UInt32 = 37
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

    /// The next received byte, or nil when the receive FIFO is empty.
    static func receive() -> UInt8? {
        guard g_mmio_read32(base + flags) & receiveEmpty == 0 else { return nil }
        return UInt8(truncatingIfNeeded: g_mmio_read32(base + data))
    }

    /// Turns the receiver on and lets received bytes raise IRQ 37.
    static func enableReceiving() {
        g_mmio_write32(base + control, g_mmio_read32(base + control) | receiveEnable)
        unmaskReceiving()
    }

    static func unmaskReceiving() { g_mmio_write32(base + interruptMask, receiveInterrupts) }

    /// The receive interrupt is level-triggered: masked until the loop has read the FIFO.
    static func maskReceiving() {
        g_mmio_write32(base + interruptMask, 0)
        g_mmio_write32(base + interruptClear, receiveInterrupts)
    }
}
