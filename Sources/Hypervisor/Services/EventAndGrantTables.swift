import HVRegs
import HypervisorCore

/// The inter-VM hypercalls: memory_op (shared_info registration),
/// event_channel_op and grant_table_op. The decisions are the core's
/// (EventChannelTable, GrantTables); this file validates guest ranges,
/// hands over the bytes, and turns notifications into virtual PPI 31.
enum InterVM {
    nonisolated(unsafe) static var events = EventChannelTable()
    nonisolated(unsafe) static var grants = GrantTables(memory: PhysicalMemoryWindow(
        base: PhysicalAddress(UInt64(0)), bytes: UnsafeMutableRawBufferPointer(start: nil, count: 0)))

    static let addToPhysmap: UInt32 = 7            // XENMEM_add_to_physmap
    static let mapSpaceSharedInfo: UInt32 = 0      // XENMAPSPACE_shared_info
    static let addToPhysmapSize = 24               // struct xen_add_to_physmap on ARM

    /// At boot, before any guest runs: the tables exist (not lazily on a trap
    /// path) and grants may reach all of RAM through the identity map.
    static func initialize(ram: PhysicalRange) {
        events = EventChannelTable()
        let base = UInt(truncatingIfNeeded: ram.base.value)
        grants = GrantTables(memory: PhysicalMemoryWindow(
            base: ram.base,
            bytes: UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: base), count: Int(truncatingIfNeeded: ram.size))))
    }

    /// Every VM exists for event channels from boot on, with a shared_info page
    /// of the hypervisor's, so channels can be bound (and events raised)
    /// before the guest registers its own page; registering copies it over.
    static func attachBootPages(vms: Int) {
        for vm in 0..<vms {
            let page = UnsafeMutableRawPointer(bitPattern: hv_shared_info_start() + UInt(vm) * 4096)!
            page.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
            _ = events.attach(domain: UInt16(truncatingIfNeeded: vm), page: EventPage(sharedInfo: page))
        }
    }

    static func deliver(_ notification: EventNotification?) {
        guard let notification, Int(notification.domain) < Machines.count else { return }
        VirtualInterrupts.inject(vm: Int(notification.domain), intid: VirtualGIC.eventChannelPPI, hardware: false)
    }

    /// A stopped VM's ports close (its peers' ports become unbound again).
    static func release(vm: Int) {
        events.detach(domain: UInt16(truncatingIfNeeded: vm))
    }

    static func memoryOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let command = frame.pointee.r.0
        guard command == addToPhysmap else {
            Hypercalls.fail(frame, .notImplemented)
            return
        }
        guard let arguments = Machines.guestBytes(vm: vm, address: frame.pointee.r.1, length: addToPhysmapSize) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let domain = arguments.load(fromByteOffset: 0, as: UInt16.self)
        let space = arguments.load(fromByteOffset: 4, as: UInt32.self)
        let gpfnLow = arguments.load(fromByteOffset: 16, as: UInt32.self)
        let gpfnHigh = arguments.load(fromByteOffset: 20, as: UInt32.self)
        guard domain == domainSelf || Int(domain) == vm else {
            Hypercalls.fail(frame, .permissionDenied)
            return
        }
        guard space == mapSpaceSharedInfo, gpfnHigh == 0, gpfnLow < 0x10_0000,
              let page = Machines.guestBytes(vm: vm, address: gpfnLow << 12, length: 4096)
        else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        // Apus does not remap: the guest's own page at gpfn becomes its
        // shared_info, taking over what the previous page held (events raised before).
        let caller = UInt16(truncatingIfNeeded: vm)
        if let current = events.page(of: caller), current.sharedInfo != page.baseAddress! {
            page.baseAddress!.copyMemory(from: current.sharedInfo, byteCount: 4096)
        }
        _ = events.attach(domain: caller, page: EventPage(sharedInfo: page.baseAddress!))
        Hypercalls.result(frame, 0)
    }

    static func eventChannelOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        guard let size = EventChannelCommand(rawValue: frame.pointee.r.0)?.argumentSize else {
            Hypercalls.fail(frame, .notImplemented)
            return
        }
        guard let arguments = Machines.guestBytes(vm: vm, address: frame.pointee.r.1, length: size) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let outcome = events.perform(command: frame.pointee.r.0, caller: UInt16(truncatingIfNeeded: vm), arguments: arguments)
        Hypercalls.result(frame, outcome.registerValue)
        deliver(outcome.notification)
    }

    static func grantTableOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let command = frame.pointee.r.0, count = frame.pointee.r.2
        guard let size = GrantTables.argumentBytes(command: command, count: count) else {
            Hypercalls.fail(frame, .notImplemented)
            return
        }
        guard let arguments = Machines.guestBytes(vm: vm, address: frame.pointee.r.1, length: size),
              var stage2 = Machines.table[vm].stage2
        else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let outcome = grants.perform(
            command: command, arguments: arguments, count: count, caller: UInt16(truncatingIfNeeded: vm),
            stage2: &stage2
        ) { address, length in
            guard address < 0x1_0000_0000 else { return nil }
            return Machines.guestBytes(vm: vm, address: UInt32(truncatingIfNeeded: address), length: length)
        }
        Machines.table[vm].stage2 = stage2
        if outcome.invalidateTLB {
            hv_write_tlbiallnsnh(0)
            hv_dsb()
            hv_isb()
        } else {
            hv_dsb()
        }
        if outcome.remaining > 0 {
            // Continuation: the rest of the batch is the same call, restarted.
            let per = UInt32(truncatingIfNeeded: size) / max(count, 1)
            frame.pointee.r.1 &+= outcome.done &* per
            frame.pointee.r.2 = outcome.remaining
            frame.pointee.elr &-= 4
        } else {
            Hypercalls.result(frame, UInt32(bitPattern: outcome.result))
        }
    }
}
