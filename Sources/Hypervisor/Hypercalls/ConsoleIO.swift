import HVRegs
import HypervisorCore

extension Hypercalls {
    /// console_io: a guest writes to the hypervisor console, or reads the
    /// input typed for it (ConsoleInput; none with a console driver domain).
    static func consoleIO(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, command: UInt32, count: UInt32, address: UInt32) {
        guard let command = ConsoleIOCommand(rawValue: command) else {
            Hypercalls.fail(frame, .notImplemented)  // as Xen answers an unknown command
            return
        }
        switch command {
        case .read:
            // A guest virtual address like a write's; at most maximumConsoleWrite bytes are filled.
            let length = Int(min(count, maximumConsoleWrite))
            guard length > 0 else {
                Hypercalls.result(frame, 0)
                return
            }
            guard let bytes = GuestVirtualMemory.bytes(vm: vm, virtual: address, length: length, write: true) else {
                Hypercalls.fail(frame, .fault)
                return
            }
            Hypercalls.result(frame, UInt32(truncatingIfNeeded: ConsoleInput.read(vm: vm, into: bytes)))
        case .write:
            // A guest virtual address (GuestVirtualMemory); at most maximumConsoleWrite bytes are taken.
            let buffer = GuestBuffer(address: address, length: min(count, maximumConsoleWrite))
            guard buffer.length > 0 else {
                Hypercalls.result(frame, 0)
                return
            }
            guard let bytes = GuestVirtualMemory.bytes(vm: vm, virtual: buffer.address, length: Int(buffer.length), write: false) else {
                Hypercalls.fail(frame, .fault)
                return
            }
            Machines.table[vm].consoleWrites &+= 1
            GuestConsoleOutput.write(vm: vm, bytes)
            Hypercalls.result(frame, buffer.length)
        }
    }
}
