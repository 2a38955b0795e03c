import HVRegs
import HypervisorCore

/// Xen-style hypercalls: `hvc #0xEA1`, number in r12, arguments r0-r4,
/// result in r0 (negative: -errno). Argument checks are core functions; this
/// file only moves bytes and calls the scheduler.
enum Hypercalls {
    static func register() {
        Traps.register(.hvc, handleHVC)
    }

    static func result(_ frame: UnsafeMutablePointer<apus_trap_frame>, _ value: UInt32) {
        frame.pointee.r.0 = value
    }

    static func fail(_ frame: UnsafeMutablePointer<apus_trap_frame>, _ error: XenError) {
        frame.pointee.r.0 = error.registerValue
    }
}

private let handleHVC: TrapHandler = { frame in
    guard let vm = Machines.current else { return }
    Machines.table[vm].hypercalls &+= 1
    let immediate = frame.pointee.hsr & 0xFFFF
    guard immediate == xenHypercallImmediate else {
        if immediate == 0, PSCI.handle(vm: vm, frame: frame) { return }
        // Not Xen's hypercall and not PSCI: the HVC (4 bytes in ARM and Thumb) is undefined for this guest.
        GuestFaults.injectUndefined(vm: vm, frame: frame, instructionAddress: frame.pointee.elr &- 4)
        return
    }
    let r = frame.pointee.r
    guard let call = Hypercall(rawValue: r.12) else {
        Hypercalls.fail(frame, .notImplemented)
        return
    }
    switch call {
    case .consoleIO: consoleIO(vm: vm, frame: frame, command: r.0, count: r.1, address: r.2)
    case .xenVersion: xenVersion(frame: frame, command: r.0)
    case .schedOp: schedOp(vm: vm, frame: frame, command: r.0, argument: r.1)
    case .memoryOp: InterVM.memoryOp(vm: vm, frame: frame)
    case .eventChannelOp: InterVM.eventChannelOp(vm: vm, frame: frame)
    case .grantTableOp: InterVM.grantTableOp(vm: vm, frame: frame)
    case .hvmOp: SplitConsole.hvmOp(vm: vm, frame: frame)
    default: Hypercalls.fail(frame, .notImplemented)
    }
}

private func consoleIO(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, command: UInt32, count: UInt32, address: UInt32) {
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

private func xenVersion(frame: UnsafeMutablePointer<apus_trap_frame>, command: UInt32) {
    switch XenVersionCommand(rawValue: command) {
    case .version: Hypercalls.result(frame, reportedXenVersion)
    case .pageSize: Hypercalls.result(frame, 4096)
    case .getFeatures, .extraVersion, .compileInfo, .capabilities, .changeset, .platformParameters:
        Hypercalls.fail(frame, .notImplemented)
    case nil: Hypercalls.fail(frame, .notImplemented)  // as Xen answers an unknown command
    }
}

private func schedOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, command: UInt32, argument: UInt32) {
    switch SchedOpCommand(rawValue: command) {
    case .yield:
        Hypercalls.result(frame, 0)
        Scheduling.yield(vm)
    case .block:
        Hypercalls.result(frame, 0)
        Blocking.blockUntilInterrupt(vm: vm)
    case .shutdown:
        guard let request = Machines.guestBytes(vm: vm, address: argument, length: 4) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        guard let reason = ShutdownReason(rawValue: request.load(as: UInt32.self)) else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        Hypercalls.result(frame, 0)
        GuestFaults.stop(vm: vm, frame: frame, reason: .shutdown(reason))
    case .poll, nil:
        Hypercalls.fail(frame, .notImplemented)
    }
}

/// Guest console lines on the hypervisor's console, prefixed with the VM's name.
enum GuestConsoleOutput {
    nonisolated(unsafe) static var atLineStart = InlineArray<8, Bool>(repeating: true)

    static func write(vm: Int, _ bytes: UnsafeMutableRawBufferPointer) {
        var out = Console()
        for byte in bytes {
            if atLineStart[vm] {
                out.write("[")
                Machines.table[vm].writeName(to: &out)
                out.write("] ")
                atLineStart[vm] = false
            }
            if byte == 0x0A { atLineStart[vm] = true }
            out.write(byte: byte)
        }
    }
}
