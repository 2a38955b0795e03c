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
            // The same bounds as a write: inside the VM's memory, at most maximumConsoleWrite bytes.
            let validated = validateConsoleWrite(
                address: address, count: count, memoryBase: Machines.table[vm].memoryBase, memorySize: Machines.table[vm].memorySize)
            guard case .success(let buffer) = validated,
                  let bytes = Machines.guestBytes(vm: vm, address: buffer.address, length: Int(buffer.length))
            else {
                Hypercalls.fail(frame, .fault)
                return
            }
            Hypercalls.result(frame, UInt32(truncatingIfNeeded: ConsoleInput.read(vm: vm, into: bytes)))
        case .write:
            let validated = validateConsoleWrite(
                address: address, count: count, memoryBase: Machines.table[vm].memoryBase, memorySize: Machines.table[vm].memorySize)
            let buffer: GuestBuffer
            switch validated {
            case .failure(let error):
                Hypercalls.fail(frame, error)
                return
            case .success(let valid):
                buffer = valid
            }
            guard let bytes = Machines.guestBytes(vm: vm, address: buffer.address, length: Int(buffer.length)) else {
                Hypercalls.fail(frame, .fault)
                return
            }
            Machines.table[vm].consoleWrites &+= 1
            GuestConsoleOutput.write(vm: vm, bytes)
            Hypercalls.result(frame, buffer.length)
        }
    }
}
