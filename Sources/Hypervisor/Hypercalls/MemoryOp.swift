import HVRegs
import HypervisorCore

extension Hypercalls {
    static let addToPhysmap: UInt32 = 7            // XENMEM_add_to_physmap
    static let mapSpaceSharedInfo: UInt32 = 0      // XENMAPSPACE_shared_info
    static let mapSpaceGrantTable: UInt32 = 1      // XENMAPSPACE_grant_table
    static let addToPhysmapSize = 24               // struct xen_add_to_physmap on ARM

    /// memory_op: only XENMEM_add_to_physmap, of the shared_info page or a grant-table frame.
    static func memoryOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let command = frame.pointee.r.0
        guard command == addToPhysmap else {
            Hypercalls.fail(frame, .notImplemented)
            return
        }
        guard let arguments = GuestVirtualMemory.bytes(vm: vm, virtual: frame.pointee.r.1, length: addToPhysmapSize, write: false) else {
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
        if space == mapSpaceGrantTable {
            let index = arguments.load(fromByteOffset: 8, as: UInt64.self)
            Hypercalls.result(frame, GrantFrameMapping.map(vm: vm, index: index, frame: UInt64(widening: gpfnLow) | UInt64(widening: gpfnHigh) &<< 32))
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
        CrossCPU.withLock(LOCK_SHARED_TABLES) {
            if let current = EventAndGrantTables.events.page(of: caller), current.sharedInfo != page.baseAddress! {
                page.baseAddress!.copyMemory(from: current.sharedInfo, byteCount: 4096)
            }
            // A vcpu_info the guest registered stays where it is (VCPUOp.swift).
            _ = EventAndGrantTables.events.attach(domain: caller, page: EventPage(sharedInfo: page.baseAddress!,
                                                                                  vcpuInfo: VCPUs.table[VCPUs.of(vm: vm, 0)].vcpuInfo),
                                                  vcpus: Machines.table[vm].vcpuCount)
        }
        Hypercalls.result(frame, 0)
    }
}
