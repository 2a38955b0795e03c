import HVRegs
import HypervisorCore

/// Xen-style hypercalls: `hvc #0xEA1`, number in r12, arguments r0-r4,
/// result in r0 (negative: -errno). Argument checks are core functions; this
/// file picks the handler (one file per hypercall family in this folder).
enum Hypercalls {
    /// An HVC from `vm` (Traps.dispatch). The guest resumes after the HVC
    /// with the result in r0, or in its undefined-instruction handler.
    @inline(__always)
    static func handle(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, call hvc: HypervisorCallSyndrome) -> TrapOutcome {
        Machines.table[vm].hypercalls &+= 1
        guard hvc.immediate == xenHypercallImmediate else {
            if hvc.immediate == 0, PSCI.handle(vm: vm, frame: frame) { return .resume }
            // Not Xen's hypercall and not PSCI: the HVC (4 bytes in ARM and Thumb) is undefined for this guest.
            return ExceptionInjection.injectUndefined(vm: vm, frame: frame, instructionAddress: frame.pointee.elr &- 4)
        }
        let r = frame.pointee.r
        guard let call = Hypercall(rawValue: r.12) else {
            fail(frame, .notImplemented)
            return .resume
        }
        switch call {
        case .consoleIO: consoleIO(vm: vm, frame: frame, command: r.0, count: r.1, address: r.2)
        case .xenVersion: xenVersion(vm: vm, frame: frame, command: r.0)
        case .schedOp: schedOp(vm: vm, frame: frame, command: r.0, argument: r.1)
        case .memoryOp: memoryOp(vm: vm, frame: frame)
        // The event channel and grant tables are every VM's: one CPU at a time (CrossCPU).
        case .eventChannelOp: CrossCPU.withLock(LOCK_SHARED_TABLES) { eventChannelOp(vm: vm, frame: frame) }
        case .grantTableOp: CrossCPU.withLock(LOCK_SHARED_TABLES) { grantTableOp(vm: vm, frame: frame) }
        case .hvmOp: hvmOp(vm: vm, frame: frame)
        case .vcpuOp: vcpuOp(vm: vm, frame: frame)
        default: fail(frame, .notImplemented)
        }
        GuestVirtualMemory.finish()
        return .resume
    }

    static func result(_ frame: UnsafeMutablePointer<apus_trap_frame>, _ value: UInt32) {
        frame.pointee.r.0 = value
    }

    static func fail(_ frame: UnsafeMutablePointer<apus_trap_frame>, _ error: XenError) {
        frame.pointee.r.0 = error.registerValue
    }
}
