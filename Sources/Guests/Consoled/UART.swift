import GuestRuntime
import GuestSupport

/// The console UART, a PL011 passed through to this VM (the runtime's
/// PL011Port), at the address and interrupt its bootargs name (`uart=`,
/// `uart-irq=`; without them vexpress-a15's UART0, IRQ 37).
/// Output is polled: the backend writes whole lines from its main loop.
/// Input raises the UART's interrupt, which only wakes the loop; the loop
/// reads the receive FIFO itself (ConsoleInput).
typealias UART = PL011Port

extension PL011Port {
    /// Set once from the bootargs, before the first line is written.
    nonisolated(unsafe) static var consoleBase = PL011Port.uart0
    nonisolated(unsafe) static var interrupt: UInt32 = ConsoledArguments.vexpressUART0Interrupt

    init() { self.init(base: PL011Port.consoleBase) }

    static let control: UInt = 0x30        // UARTCR
    static let interruptMask: UInt = 0x38  // UARTIMSC
    static let interruptClear: UInt = 0x44 // UARTICR
    static let receiveEnable: UInt32 = 1 << 9  // UARTCR.RXE
    /// UARTIMSC.RXIM and RTIM: a byte arrived, or bytes wait in the FIFO.
    static let receiveInterrupts: UInt32 = (1 << 4) | (1 << 6)

    /// The next byte received on the console UART, or nil when its FIFO is empty.
    static func receive() -> UInt8? { UART().read() }

    /// Turns the console UART's receiver on and lets received bytes raise its interrupt.
    static func enableReceiving() {
        g_mmio_write32(consoleBase + control, g_mmio_read32(consoleBase + control) | receiveEnable)
        unmaskReceiving()
    }

    static func unmaskReceiving() { g_mmio_write32(consoleBase + interruptMask, receiveInterrupts) }

    /// The receive interrupt is level-triggered: masked until the loop has read the FIFO.
    static func maskReceiving() {
        g_mmio_write32(consoleBase + interruptMask, 0)
        g_mmio_write32(consoleBase + interruptClear, receiveInterrupts)
    }
}
