import GuestSupport
import HypervisorCore

/// Xen event channels from the guest side (docs/EVENTS.md): the shared_info
/// page, the EVTCHNOP wrappers, and the upcall (virtual PPI 31) that hands
/// each pending port to the handler registered for it.
///
/// Results follow Xen: a port (>= 0) or a negative errno.
public enum EventChannels {
    public typealias Handler = @convention(c) (UInt32) -> Void

    /// The interrupt the hypervisor injects when evtchn_upcall_pending goes 0 -> 1.
    public static let upcallInterrupt: UInt32 = 31
    /// Ports this runtime keeps handlers for (Apus gives a domain 64).
    public static let handledPorts = 64

    nonisolated(unsafe) static var sharedInfo: UnsafeMutableRawPointer? = nil
    nonisolated(unsafe) static var handlers = InlineArray<64, Handler?>(repeating: nil)
    /// Upcalls taken and pending ports that had no handler (diagnostics).
    nonisolated(unsafe) public private(set) static var upcalls: UInt32 = 0
    nonisolated(unsafe) public private(set) static var unhandled: UInt32 = 0

    /// The page registered as shared_info (nil before `registerSharedInfo`).
    public static var sharedInfoPage: UnsafeMutableRawPointer? { sharedInfo }

    /// XENMEM_add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, idx 0, gpfn)
    /// for the first whole 4 KiB page inside `storage` (guest memory the
    /// guest sets aside, e.g. 8 KiB of BSS: the page cannot be placed by the
    /// linker). Apus makes that very page shared_info and zeroes it.
    /// Returns the hypercall result (0 on success), -EINVAL (-22) when no
    /// whole page fits in `storage`.
    public static func registerSharedInfo(in storage: UnsafeMutableRawBufferPointer) -> Int32 {
        guard let page = firstPage(in: storage) else { return -XenError.invalid.rawValue }
        let frame = UInt64(widening: UInt32(UInt(bitPattern: page)) &>> 12)
        // struct xen_add_to_physmap (ARM, 24 bytes): domid u16 @0, size u16 @2,
        // space u32 @4, idx xen_ulong_t @8, gpfn xen_pfn_t @16 (both u64).
        var request = InlineArray<3, UInt64>(repeating: 0)
        request[0] = UInt64(widening: UInt32(EventChannelABI.domainSelf))
            | UInt64(widening: MemoryOp.sharedInfoSpace) &<< 32
        request[1] = 0
        request[2] = frame
        let result = withUnsafeMutablePointer(to: &request) { pointer in
            Hypervisor.call(.memoryOp, MemoryOp.addToPhysmap, guestAddress(pointer))
        }
        if result == 0 { sharedInfo = page }
        return result
    }

    /// EVTCHNOP_alloc_unbound: a port of ours that domain `remote` may bind.
    public static func allocateUnbound(remote: UInt16) -> Int32 {
        // { domid_t dom @0, remote_dom @2; OUT port @4 }
        var arguments = InlineArray<2, UInt32>(repeating: 0)
        arguments[0] = UInt32(EventChannelABI.domainSelf) | UInt32(remote) &<< 16
        let result = operation(.allocUnbound, &arguments)
        return result < 0 ? result : Int32(bitPattern: arguments[1])
    }

    /// EVTCHNOP_bind_interdomain: connects a new local port to `remotePort` of
    /// `remote`. Xen marks the new local port pending: expect one event at once.
    public static func bindInterdomain(remote: UInt16, remotePort: UInt32) -> Int32 {
        // { domid_t remote_dom @0; port remote_port @4; OUT local_port @8 }
        var arguments = InlineArray<3, UInt32>(repeating: 0)
        arguments[0] = UInt32(remote)
        arguments[1] = remotePort
        let result = operation(.bindInterdomain, &arguments)
        return result < 0 ? result : Int32(bitPattern: arguments[2])
    }

    /// EVTCHNOP_bind_virq: a port for virtual IRQ `virq` on VCPU 0 (or -errno).
    public static func bindVirq(_ virq: UInt32) -> Int32 {
        // { uint32 virq @0, vcpu @4; OUT port @8 }
        var arguments = InlineArray<3, UInt32>(repeating: 0)
        arguments[0] = virq
        let result = operation(.bindVirq, &arguments)
        return result < 0 ? result : Int32(bitPattern: arguments[2])
    }

    /// EVTCHNOP_send: raises the event at the other end of `port`.
    public static func send(_ port: UInt32) -> Int32 { portOperation(.send, port) }

    /// EVTCHNOP_close: frees `port`; an interdomain peer becomes unbound.
    public static func close(_ port: UInt32) -> Int32 { portOperation(.close, port) }

    /// EVTCHNOP_unmask: clears the mask bit and re-raises the port if pending.
    public static func unmask(_ port: UInt32) -> Int32 { portOperation(.unmask, port) }

    /// EVTCHNOP_status of one of our ports: (result, EVTCHNSTAT code, remote
    /// domain, remote port); the last two only for unbound / interdomain.
    public static func status(_ port: UInt32) -> (result: Int32, code: UInt32, domain: UInt16, remotePort: UInt32) {
        // { domid_t dom @0; port @4; OUT status @8, vcpu @12, union u @16 (dom @16, port @20) }
        var arguments = InlineArray<6, UInt32>(repeating: 0)
        arguments[0] = UInt32(EventChannelABI.domainSelf)
        arguments[1] = port
        let result = operation(.status, &arguments)
        return (result, arguments[2], UInt16(truncatingIfNeeded: arguments[4]), arguments[5])
    }

    /// Calls `handler` (in the IRQ handler, interrupts masked) for each event on `port`.
    public static func setHandler(port: UInt32, _ handler: @escaping Handler) {
        guard port < UInt32(handledPorts) else { return }
        handlers[Int(port)] = handler
    }

    /// Routes PPI 31 to the upcall and enables it, then handles whatever is
    /// already pending: an upcall raised before the interrupt was enabled
    /// leaves evtchn_upcall_pending set, and while it stays set the
    /// hypervisor injects nothing new. Call after `registerSharedInfo`.
    public static func attachUpcall() {
        GIC.attach(upcallInterrupt, eventUpcall)
        dispatchPending()
    }

    /// Whether `port`'s pending bit is set (false before `registerSharedInfo`).
    public static func isPending(_ port: UInt32) -> Bool {
        guard let page = sharedInfo else { return false }
        return GuestEventChannels(sharedInfo: page).isPending(port)
    }

    /// Clears and dispatches every pending unmasked port (what the upcall does).
    public static func dispatchPending() {
        guard let page = sharedInfo else { return }
        GuestEventChannels(sharedInfo: page).dispatchPending { port in
            if port < UInt32(handledPorts), let handler = handlers[Int(port)] {
                handler(port)
            } else {
                unhandled &+= 1
            }
        }
    }

    /// The first 4 KiB-aligned page lying wholly inside `storage`.
    public static func firstPage(in storage: UnsafeMutableRawBufferPointer) -> UnsafeMutableRawPointer? {
        guard let base = storage.baseAddress else { return nil }
        let start = UInt(bitPattern: base)
        let page = (start &+ 0xFFF) & ~UInt(0xFFF)
        guard page >= start, page &- start &+ 0x1000 <= UInt(storage.count) else { return nil }
        return UnsafeMutableRawPointer(bitPattern: page)
    }

    static func countUpcall() { upcalls &+= 1 }

    private static func portOperation(_ command: EventChannelCommand, _ port: UInt32) -> Int32 {
        var arguments = InlineArray<1, UInt32>(repeating: port)
        return operation(command, &arguments)
    }

    private static func operation<let count: Int>(_ command: EventChannelCommand,
                                                  _ arguments: inout InlineArray<count, UInt32>) -> Int32 {
        withUnsafeMutablePointer(to: &arguments) { pointer in
            Hypervisor.call(.eventChannelOp, command.rawValue, guestAddress(pointer))
        }
    }
}

/// memory_op sub-operations and map spaces (Xen's memory.h) the runtime uses.
enum MemoryOp {
    static let addToPhysmap: UInt32 = 7
    static let sharedInfoSpace: UInt32 = 0
}

/// A guest-physical address of guest data: the guest runs with its MMU off.
@inline(__always)
func guestAddress<T>(_ pointer: UnsafeMutablePointer<T>) -> UInt32 {
    UInt32(UInt(bitPattern: pointer))
}

/// PPI 31: the hypervisor raised evtchn_upcall_pending.
func eventUpcall(_ intid: UInt32) {
    EventChannels.countUpcall()
    EventChannels.dispatchPending()
}
