import GuestRuntime

/// UART0, a PL011 passed through to this VM, driven by polling (the
/// runtime's PL011Port): the backend writes whole lines from its main loop
/// and never needs the UART's interrupt.
typealias UART = PL011Port

extension PL011Port {
    init() { self.init(base: PL011Port.uart0) }
}
