import HVRegs
import HypervisorCore

extension Hypercalls {
    static let addToPhysmap: UInt32 = 7            // XENMEM_add_to_physmap
    static let mapSpaceSharedInfo: UInt32 = 0      // XENMAPSPACE_shared_info
    static let addToPhysmapSize = 24               // struct xen_add_to_physmap on ARM

    /// memory_op: only XENMEM_add_to_physmap of the shared_info page.
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
        if let current = EventAndGrantTables.events.page(of: caller), current.sharedInfo != page.baseAddress! {
            page.baseAddress!.copyMemory(from: current.sharedInfo, byteCount: 4096)
        }
        _ = EventAndGrantTables.events.attach(domain: caller, page: EventPage(sharedInfo: page.baseAddress!))
        Hypercalls.result(frame, 0)
    }
}
