import HVRegs
import HypervisorCore

/// Console input without a console driver domain (docs/CONSOLE.md): when no
/// VM owns UART0's interrupt, the hypervisor takes typed bytes from UART0 for
/// the focused VM, queues them in its ConsoleInputQueue, raises VIRQ_CONSOLE
/// for it (when bound), and its console_io read collects them. Ctrl-] and a
/// VM index (0-7) move the focus, as in the console driver domain.
enum ConsoleInput {
    static let focusKey: UInt8 = 0x1D  // Ctrl-]
    nonisolated(unsafe) static var isServing = false
    nonisolated(unsafe) static var focus = 0
    nonisolated(unsafe) static var awaitingFocus = false

    /// At boot, after the VMs exist: serve input unless a VM owns UART0.
    static func start() {
        guard Machines.count > 0, VirtualInterrupts.owner(of: UInt32(UART0_INTERRUPT)) == nil else { return }
        isServing = true
        Console.uart.enableReceiveInterrupts()
        GIC.route(UInt32(UART0_INTERRUPT), priority: 0xA0)
        GIC.enable(UInt32(UART0_INTERRUPT))
        receive()  // bytes typed during boot
    }

    /// UART0's receive interrupt: empties the FIFO (which clears it).
    static func receive() {
        while let byte = Console.uart.receive() { take(byte) }
        hv_mmio_write32(UInt(UART0_BASE) + UInt(UART_ICR), UInt32(UART_INT_RX))
    }

    private static func take(_ byte: UInt8) {
        if awaitingFocus {
            awaitingFocus = false
            let index = Int(byte) - 0x30
            guard index >= 0, index < Machines.count else {
                var out = Console()
                out.write("Apus: console input: type Ctrl-] and a VM index, 0 to ")
                out.write(decimal: UInt32(truncatingIfNeeded: Machines.count - 1))
                out.newline()
                return
            }
            focus = index
            var out = Console()
            out.write("Apus: console input goes to VM ")
            Machines.table[index].writeName(to: &out)
            out.newline()
            return
        }
        if byte == focusKey {
            awaitingFocus = true
            return
        }
        guard Machines.table[focus].isRunnable, Machines.table[focus].consoleInput.push(byte) else { return }
        EventAndGrantTables.deliver(EventAndGrantTables.events.raiseVirq(
            domain: UInt16(truncatingIfNeeded: focus), virq: VirtualIRQ.console))
    }

    /// Typed input may still wake `vm`: the hypervisor serves input and the VM
    /// bound VIRQ_CONSOLE (the focus can move to it at any time).
    static func canWake(vm: Int) -> Bool {
        isServing && EventAndGrantTables.events.isVirqBound(domain: UInt16(truncatingIfNeeded: vm), virq: VirtualIRQ.console)
    }

    /// console_io read: up to `buffer.count` queued bytes of `vm` into its buffer.
    static func read(vm: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        Machines.table[vm].consoleInput.pop(into: buffer)
    }
}
