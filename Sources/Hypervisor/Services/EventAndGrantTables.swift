import HVRegs
import HypervisorCore

/// The hypervisor's one event-channel table and one grant table, shared by all
/// VMs: created at boot, used by the event_channel_op, grant_table_op and
/// memory_op hypercalls (Hypercalls/) and by the split-driver plumbing. The
/// decisions are the core's (EventChannelTable, GrantTables); notifications
/// become virtual PPI 31 of the VCPU each port notifies.
enum EventAndGrantTables {
    nonisolated(unsafe) static var events = EventChannelTable()
    nonisolated(unsafe) static var grants = GrantTables(memory: PhysicalMemoryWindow(
        base: PhysicalAddress(UInt64(0)), bytes: UnsafeMutableRawBufferPointer(start: nil, count: 0)))

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
        for vm in 0..<vms { attachBootPage(vm: vm) }
    }

    /// One VM's boot-time shared_info page, zeroed (at boot, and when it restarts).
    static func attachBootPage(vm: Int) {
        let page = UnsafeMutableRawPointer(bitPattern: hv_shared_info_start() + UInt(vm) * 4096)!
        page.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        _ = events.attach(domain: UInt16(truncatingIfNeeded: vm), page: EventPage(sharedInfo: page),
                          vcpus: Machines.table[vm].vcpuCount)
    }

    static func deliver(_ notification: EventNotification?) {
        guard let notification, Int(notification.domain) < Machines.count else { return }
        VirtualInterrupts.inject(vm: Int(notification.domain), vcpu: Int(notification.vcpu), intid: VirtualGIC.eventChannelPPI, hardware: false)
    }

    /// A stopped VM's ports close (its peers' ports become unbound again).
    static func release(vm: Int) {
        events.detach(domain: UInt16(truncatingIfNeeded: vm))
    }
}
