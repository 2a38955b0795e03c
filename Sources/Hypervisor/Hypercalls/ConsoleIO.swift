import HVRegs
import HypervisorCore

extension Hypercalls {
    /// console_io: a guest writes to the hypervisor console (no input yet).
    static func consoleIO(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, command: UInt32, count: UInt32, address: UInt32) {
        guard let command = ConsoleIOCommand(rawValue: command) else {
            Hypercalls.fail(frame, .notImplemented)  // as Xen answers an unknown command
            return
        }
        switch command {
        case .read:
            Hypercalls.result(frame, 0)  // no console input for guests yet
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
