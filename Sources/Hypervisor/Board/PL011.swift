import HVRegs

/// ARM PL011 UART, polled transmit; receive by interrupt when the hypervisor
/// serves console input itself (ConsoleInput).
struct PL011 {
    let base: UInt

    /// 115200 8N1 with FIFOs, assuming the 24 MHz reference clock of the
    /// Versatile Express motherboard (QEMU ignores the divisor).
    func enable() {
        hv_mmio_write32(base + UInt(UART_CR), 0)
        hv_mmio_write32(base + UInt(UART_ICR), 0x7FF)
        hv_mmio_write32(base + UInt(UART_IBRD), 13)
        hv_mmio_write32(base + UInt(UART_FBRD), 1)
        hv_mmio_write32(base + UInt(UART_LCRH), 0x70)  // 8 bits, FIFO on
        hv_mmio_write32(base + UInt(UART_IMSC), 0)
        hv_mmio_write32(base + UInt(UART_CR), 0x301)   // UART, TX, RX enabled
    }

    func send(_ byte: UInt8) {
        while hv_mmio_read32(base + UInt(UART_FR)) & UInt32(UART_FR_TXFF) != 0 {}
        hv_mmio_write32(base + UInt(UART_DR), UInt32(byte))
    }

    /// Received bytes (or a receive timeout) raise the UART's interrupt.
    func enableReceiveInterrupts() {
        hv_mmio_write32(base + UInt(UART_IMSC), UInt32(UART_INT_RX))
    }

    /// The next received byte, or nil when the receive FIFO is empty.
    func receive() -> UInt8? {
        guard hv_mmio_read32(base + UInt(UART_FR)) & UInt32(UART_FR_RXFE) == 0 else { return nil }
        return UInt8(truncatingIfNeeded: hv_mmio_read32(base + UInt(UART_DR)))
    }

    /// Waits until the last byte has left the shift register (before power-off).
    func drain() {
        while hv_mmio_read32(base + UInt(UART_FR)) & UInt32(UART_FR_BUSY) != 0 {}
    }
}
