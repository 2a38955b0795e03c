import HVRegs
import HypervisorCore

extension Hypercalls {
    static let registerRunstateMemoryArea: UInt32 = 5  // VCPUOP_register_runstate_memory_area
    static let registerVCPUInfo: UInt32 = 10           // VCPUOP_register_vcpu_info

    /// vcpu_op (r0 command, r1 VCPU, r2 argument): the two operations Xen on
    /// ARM allows a guest; anything else is -EINVAL, as there.
    static func vcpuOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let command = frame.pointee.r.0, vcpu = frame.pointee.r.1, argument = frame.pointee.r.2
        guard command == registerVCPUInfo || command == registerRunstateMemoryArea else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        guard vcpu == 0 else {  // one VCPU per VM
            Hypercalls.fail(frame, .noEntry)
            return
        }
        if command == registerVCPUInfo {
            registerVCPUInfo(vm: vm, frame: frame, argument: argument)
        } else {
            registerRunstateArea(vm: vm, frame: frame, argument: argument)
        }
    }

    /// struct vcpu_register_vcpu_info { u64 mfn @0; u32 offset @8; u32 rsvd @12 }:
    /// events are delivered through the vcpu_info at that guest frame from now on.
    private static func registerVCPUInfo(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, argument: UInt32) {
        guard let arguments = GuestVirtualMemory.bytes(vm: vm, virtual: argument, length: 16, write: false) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let frameNumber = arguments.load(fromByteOffset: 0, as: UInt64.self)
        let offset = arguments.load(fromByteOffset: 8, as: UInt32.self)
        let size = UInt32(truncatingIfNeeded: SharedInfoLayout.vcpuInfoSize)
        guard Machines.table[vm].vcpuInfo == nil, frameNumber < 0x10_0000, offset <= 4096 - size, offset % 8 == 0,
              let info = Machines.guestBytes(vm: vm, address: UInt32(truncatingIfNeeded: frameNumber) << 12 | offset,
                                             length: Int(truncatingIfNeeded: size))?.baseAddress,
              let current = EventAndGrantTables.events.page(of: UInt16(truncatingIfNeeded: vm))
        else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        // As Xen: the old contents move over, then everything is marked
        // pending so that nothing raised meanwhile is lost.
        info.copyMemory(from: current.vcpuInfo, byteCount: Int(truncatingIfNeeded: size))
        info.storeBytes(of: 1, toByteOffset: SharedInfoLayout.upcallPendingOffset, as: UInt8.self)
        info.storeBytes(of: UInt64.max, toByteOffset: SharedInfoLayout.pendingSelectorOffset, as: UInt64.self)
        Machines.table[vm].vcpuInfo = info
        _ = EventAndGrantTables.events.attach(domain: UInt16(truncatingIfNeeded: vm),
                                              page: EventPage(sharedInfo: current.sharedInfo, vcpuInfo: info))
        Hypercalls.result(frame, 0)
        VirtualInterrupts.inject(vm: vm, intid: VirtualGIC.eventChannelPPI, hardware: false)
    }

    /// struct vcpu_register_runstate_memory_area { u64 addr @0 } (a guest
    /// virtual address): the hypervisor writes vcpu_runstate_info there each
    /// time the VCPU goes on the CPU (RunstateArea).
    private static func registerRunstateArea(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, argument: UInt32) {
        guard let arguments = GuestVirtualMemory.bytes(vm: vm, virtual: argument, length: 8, write: false) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let address = arguments.load(fromByteOffset: 0, as: UInt64.self)
        guard address <= 0xFFFF_FFFF else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        Machines.table[vm].runstateArea = UInt32(truncatingIfNeeded: address)
        Machines.table[vm].runstate.enter(.running, at: Clock.now.nanoseconds)
        RunstateArea.update(vm: vm)
        Hypercalls.result(frame, 0)
    }
}

/// Keeps each VM's vcpu_runstate_info (core: RunstateAccount) and writes it
/// into the guest's registered area while the guest's stage 1 is live.
enum RunstateArea {
    static func update(vm: Int) {
        let area = Machines.table[vm].runstateArea
        guard area != 0,
              let bytes = GuestVirtualMemory.bytes(vm: vm, virtual: area, length: RunstateAccount.size, write: true)
        else { return }
        Machines.table[vm].runstate.write(into: bytes)
        GuestVirtualMemory.finish()
    }

    /// The VCPU of `vm` changes state at `time` (switch, block, wake); a VCPU switch
    /// passes its decision's instant, so both VCPUs change state at the same moment.
    static func enter(vm: Int, _ state: RunstateState, at time: Instant = Clock.now) {
        Machines.table[vm].runstate.enter(state, at: time.nanoseconds)
    }
}
