import HVRegs
import HypervisorCore

extension Hypercalls {
    static let registerRunstateMemoryArea: UInt32 = 5  // VCPUOP_register_runstate_memory_area
    static let registerVCPUInfo: UInt32 = 10           // VCPUOP_register_vcpu_info

    /// vcpu_op (r0 command, r1 VCPU, r2 argument): the two operations Xen on
    /// ARM allows a guest, for any VCPU of its VM; anything else is -EINVAL, as
    /// there, and a VCPU the VM does not have -ENOENT.
    static func vcpuOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let command = frame.pointee.r.0, vcpu = frame.pointee.r.1, argument = frame.pointee.r.2
        guard command == registerVCPUInfo || command == registerRunstateMemoryArea else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        guard vcpu < UInt32(truncatingIfNeeded: Machines.table[vm].vcpuCount) else {
            Hypercalls.fail(frame, .noEntry)
            return
        }
        let target = VCPUs.of(vm: vm, Int(vcpu))
        if command == registerVCPUInfo {
            registerVCPUInfo(vm: vm, vcpu: target, frame: frame, argument: argument)
        } else {
            registerRunstateArea(vm: vm, vcpu: target, frame: frame, argument: argument)
        }
    }

    /// struct vcpu_register_vcpu_info { u64 mfn @0; u32 offset @8; u32 rsvd @12 }:
    /// `vcpu`'s events are delivered through the vcpu_info at that guest frame from
    /// now on (each VCPU its own: the ports EVTCHNOP_bind_vcpu gives it).
    private static func registerVCPUInfo(vm: Int, vcpu: Int, frame: UnsafeMutablePointer<apus_trap_frame>, argument: UInt32) {
        guard let arguments = GuestVirtualMemory.bytes(vm: vm, virtual: argument, length: 16, write: false) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let frameNumber = arguments.load(fromByteOffset: 0, as: UInt64.self)
        let offset = arguments.load(fromByteOffset: 8, as: UInt32.self)
        let size = UInt32(truncatingIfNeeded: SharedInfoLayout.vcpuInfoSize)
        guard VCPUs.table[vcpu].vcpuInfo == nil, frameNumber < 0x10_0000, offset <= 4096 - size, offset % 8 == 0,
              let info = Machines.guestBytes(vm: vm, address: UInt32(truncatingIfNeeded: frameNumber) << 12 | offset,
                                             length: Int(truncatingIfNeeded: size))?.baseAddress
        else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        let domain = UInt16(truncatingIfNeeded: vm), bank = VCPUs.table[vcpu].index
        let registered = CrossCPU.withLock(LOCK_SHARED_TABLES) { () -> Bool in
            // As Xen: the old contents move over (VCPU 0's from shared_info; the others
            // had none), then everything is marked pending so that nothing raised
            // meanwhile is lost.
            if let current = EventAndGrantTables.events.page(of: domain, vcpu: UInt32(truncatingIfNeeded: bank)) {
                info.copyMemory(from: current.vcpuInfo, byteCount: Int(truncatingIfNeeded: size))
            } else {
                info.initializeMemory(as: UInt8.self, repeating: 0, count: Int(truncatingIfNeeded: size))
            }
            info.storeBytes(of: 1, toByteOffset: SharedInfoLayout.upcallPendingOffset, as: UInt8.self)
            info.storeBytes(of: UInt64.max, toByteOffset: SharedInfoLayout.pendingSelectorOffset, as: UInt64.self)
            return EventAndGrantTables.events.registerVCPUInfo(domain: domain, vcpu: UInt32(truncatingIfNeeded: bank), at: info)
        }
        guard registered else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        VCPUs.table[vcpu].vcpuInfo = info
        Hypercalls.result(frame, 0)
        VirtualInterrupts.inject(vm: vm, vcpu: bank, intid: VirtualGIC.eventChannelPPI, hardware: false)
    }

    /// struct vcpu_register_runstate_memory_area { u64 addr @0 } (a guest
    /// virtual address): the hypervisor writes vcpu_runstate_info there each
    /// time the VCPU goes on the CPU (RunstateArea).
    private static func registerRunstateArea(vm: Int, vcpu: Int, frame: UnsafeMutablePointer<apus_trap_frame>, argument: UInt32) {
        guard let arguments = GuestVirtualMemory.bytes(vm: vm, virtual: argument, length: 8, write: false) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let address = arguments.load(fromByteOffset: 0, as: UInt64.self)
        guard address <= 0xFFFF_FFFF else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        VCPUs.table[vcpu].runstateArea = UInt32(truncatingIfNeeded: address)
        if vcpu == VCPUs.current {
            VCPUs.table[vcpu].runstate.enter(.running, at: Clock.now.nanoseconds)
            RunstateArea.update(vcpu: vcpu)
        }  // another VCPU's is written when it next runs (its guest's stage 1 is live then)
        Hypercalls.result(frame, 0)
    }
}

/// Keeps each VCPU's vcpu_runstate_info (core: RunstateAccount) and writes it
/// into the guest's registered area while the VCPU's stage 1 is live.
enum RunstateArea {
    static func update(vcpu: Int) {
        let area = VCPUs.table[vcpu].runstateArea
        guard area != 0,
              let bytes = GuestVirtualMemory.bytes(vm: VCPUs.table[vcpu].vm, virtual: area, length: RunstateAccount.size, write: true)
        else { return }
        VCPUs.table[vcpu].runstate.write(into: bytes)
        GuestVirtualMemory.finish()
    }

    /// `vcpu` changes state at `time` (switch, block, wake); a VCPU switch passes
    /// its decision's instant, so both VCPUs change state at the same moment.
    static func enter(vcpu: Int, _ state: RunstateState, at time: Instant = Clock.now) {
        VCPUs.table[vcpu].runstate.enter(state, at: time.nanoseconds)
    }
}
