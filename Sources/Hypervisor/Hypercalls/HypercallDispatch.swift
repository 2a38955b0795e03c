import HVRegs
import HypervisorCore

/// Xen-style hypercalls: `hvc #0xEA1`, number in r12, arguments r0-r4,
/// result in r0 (negative: -errno). Argument checks are core functions; this
/// file picks the handler (one file per hypercall family in this folder).
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
        ExceptionInjection.injectUndefined(vm: vm, frame: frame, instructionAddress: frame.pointee.elr &- 4)
        return
    }
    let r = frame.pointee.r
    guard let call = Hypercall(rawValue: r.12) else {
        Hypercalls.fail(frame, .notImplemented)
        return
    }
    switch call {
    case .consoleIO: Hypercalls.consoleIO(vm: vm, frame: frame, command: r.0, count: r.1, address: r.2)
    case .xenVersion: Hypercalls.xenVersion(vm: vm, frame: frame, command: r.0)
    case .schedOp: Hypercalls.schedOp(vm: vm, frame: frame, command: r.0, argument: r.1)
    case .memoryOp: Hypercalls.memoryOp(vm: vm, frame: frame)
    case .eventChannelOp: Hypercalls.eventChannelOp(vm: vm, frame: frame)
    case .grantTableOp: Hypercalls.grantTableOp(vm: vm, frame: frame)
    case .hvmOp: Hypercalls.hvmOp(vm: vm, frame: frame)
    case .vcpuOp: Hypercalls.vcpuOp(vm: vm, frame: frame)
    default: Hypercalls.fail(frame, .notImplemented)
    }
    GuestVirtualMemory.finish()
}
