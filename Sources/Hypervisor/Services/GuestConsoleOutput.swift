import HVRegs
import HypervisorCore

/// Guest console_io output on the hypervisor's console: line-buffered per VM
/// (GuestLineBuffer in the VM record), each line written whole under the VM's
/// `[name] ` prefix, guest bytes escaped. Before any other source writes (another
/// VM's line or the hypervisor's own), a VM's unfinished line is written as a
/// `[name]~ ` piece, so the console stays in order and no line has two authors.
enum GuestConsoleOutput {
    /// Bit `vm` set: VM `vm` has bytes buffered the console has not seen.
    nonisolated(unsafe) static var pending: UInt32 = 0

    /// One CPU at a time writes lines (CrossCPU): lines never mix.
    static func write(vm: Int, _ bytes: UnsafeMutableRawBufferPointer) {
        CrossCPU.withLock(LOCK_CONSOLE) { writeLocked(vm: vm, bytes) }
    }

    private static func writeLocked(vm: Int, _ bytes: UnsafeMutableRawBufferPointer) {
        for byte in bytes where Machines.table[vm].consoleLine.append(byte) {
            writePending(except: vm)
            if Machines.table[vm].consoleLine.isFailedCheck { Machines.table[vm].failedChecks &+= 1 }
            var out = GuestLineSink()
            let name = Machines.table[vm].name
            Machines.table[vm].consoleLine.write(label: name, to: &out)
        }
        setPending(vm, Machines.table[vm].consoleLine.isPending)
    }

    /// Writes every VM's unfinished line as a piece, except `vm`'s.
    static func writePending(except vm: Int? = nil) {
        guard pending != 0 else { return }
        for other in 0..<Machines.count where other != vm && pending & (1 &<< UInt32(other)) != 0 {
            var out = GuestLineSink()
            let name = Machines.table[other].name
            Machines.table[other].consoleLine.write(label: name, to: &out)
            setPending(other, false)
        }
    }

    /// The VM stops: its unfinished line is written now, as a piece.
    static func finish(vm: Int) {
        if Machines.table[vm].consoleLine.isPending {
            var out = GuestLineSink()
            let name = Machines.table[vm].name
            Machines.table[vm].consoleLine.write(label: name, to: &out)
        }
        Machines.table[vm].consoleLine.reset()
        setPending(vm, false)
    }

    private static func setPending(_ vm: Int, _ isPending: Bool) {
        let bit: UInt32 = 1 &<< UInt32(vm)
        pending = isPending ? pending | bit : pending & ~bit
    }
}

/// UART0 for guest lines: like Console, without Console's flush of pending guest lines.
struct GuestLineSink: TextSink {
    mutating func write(byte: UInt8) {
        if byte == 0x0A { Console.uart.send(0x0D) }
        Console.uart.send(byte)
    }
}
