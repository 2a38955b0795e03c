import GuestRuntime
import GuestSupport

/// UART0, a PL011 passed through to this VM (the runtime's PL011Port).
/// Output is polled: the backend writes whole lines from its main loop.
/// Input raises IRQ 37, which only wakes the loop; the loop reads the
/// receive FIFO itself (ConsoleInput).
typealias UART = PL011Port

extension PL011Port {
    init() { self.init(base: PL011Port.uart0) }

    static let control: UInt = 0x30        // UARTCR
    static let interruptMask: UInt = 0x38  // UARTIMSC
    static let interruptClear: UInt = 0x44 // UARTICR
    static let receiveEnable: UInt32 = 1 << 9  // UARTCR.RXE
    /// UARTIMSC.RXIM and RTIM: a byte arrived, or bytes wait in the FIFO.
    static let receiveInterrupts: UInt32 = (1 << 4) | (1 << 6)
    static let interrupt: UInt32 = 37

    /// The next byte received on UART0, or nil when its FIFO is empty.
    static func receive() -> UInt8? { UART().read() }

    /// Turns UART0's receiver on and lets received bytes raise IRQ 37.
    static func enableReceiving() {
        g_mmio_write32(uart0 + control, g_mmio_read32(uart0 + control) | receiveEnable)
        unmaskReceiving()
    }

    static func unmaskReceiving() { g_mmio_write32(uart0 + interruptMask, receiveInterrupts) }

    /// The receive interrupt is level-triggered: masked until the loop has read the FIFO.
    static func maskReceiving() {
        g_mmio_write32(uart0 + interruptMask, 0)
        g_mmio_write32(uart0 + interruptClear, receiveInterrupts)
    }
}
