import GuestSupport
import HypervisorCore
import Synchronization

/// Xen grant tables (v1) from the guest side (docs/GRANTS.md): granting pages
/// of our RAM by writing entries into our own grant table page, and mapping
/// pages others grant us into our grant window.
public enum GrantTable {
    /// Where our table page is (guest-physical); nil before `locate`.
    nonisolated(unsafe) static var table: UnsafeMutableRawPointer? = nil

    /// Entries in the one table page Apus gives a domain.
    public static let entries: UInt32 = 512

    /// GNTTABOP_setup_table(DOMID_SELF, 1 frame) asks where our table is and
    /// remembers it. Returns (hypercall result, GNTST status, frame number).
    public static func locate() -> (result: Int32, status: Int16, frame: UInt64) {
        var frameList = InlineArray<1, UInt64>(repeating: 0)
        // gnttab_setup_table (24 bytes): dom u16 @0, nr_frames u32 @4,
        // status i16 @8, frame_list (handle of u64) @16.
        var request = InlineArray<3, UInt64>(repeating: 0)
        request[0] = UInt64(widening: UInt32(domainSelf)) | UInt64(widening: 1) &<< 32
        // Both buffers stay pinned for the whole call: the hypervisor writes into them.
        let result = withUnsafeMutablePointer(to: &frameList) { list in
            request[2] = UInt64(widening: guestAddress(list))
            return withUnsafeMutablePointer(to: &request) { pointer in
                Hypervisor.call(.grantTableOp, GrantTableCommand.setupTable.rawValue, guestAddress(pointer), 1)
            }
        }
        let status = Int16(truncatingIfNeeded: UInt32(truncatingIfNeeded: request[1]))
        let frame = frameList[0]
        if result == 0, status == 0, frame != 0, frame < 0x10_0000 {
            table = UnsafeMutableRawPointer(bitPattern: UInt(UInt32(truncatingIfNeeded: frame) &<< 12))
        }
        return (result, status, frame)
    }

    /// Grants `domain` access to our page `frame` as entry `reference`:
    /// frame and domid first, a barrier, then the flags that make it valid
    /// (the hypervisor may read the entry at any time). False without a table
    /// or with a reference out of range.
    @discardableResult
    public static func grantAccess(reference: UInt32, to domain: UInt16, frame: UInt32, readOnly: Bool) -> Bool {
        guard let entry = entry(reference) else { return false }
        // grant_entry_v1: flags u16 @0, domid u16 @2, frame u32 @4.
        (entry + 4).assumingMemoryBound(to: UInt32.self).pointee = frame
        (entry + 2).assumingMemoryBound(to: UInt16.self).pointee = domain
        g_dsb()
        let valid = GrantEntryFlags.permitAccess | (readOnly ? GrantEntryFlags.readOnly : 0)
        flags(entry).pointee.store(valid, ordering: .sequentiallyConsistent)
        return true
    }

    /// The entry's flags as they are now (the hypervisor sets GTF_reading /
    /// GTF_writing while the grant is mapped).
    public static func flags(reference: UInt32) -> UInt16 {
        guard let entry = entry(reference) else { return 0 }
        return flags(entry).pointee.load(ordering: .sequentiallyConsistent)
    }

    /// Revokes entry `reference` unless it is mapped (Linux's
    /// gnttab_end_foreign_access_ref): the flags go to 0 only if neither
    /// GTF_reading nor GTF_writing is set, atomically with that test.
    public static func endAccess(reference: UInt32) -> Bool {
        guard let entry = entry(reference) else { return false }
        let word = flags(entry)
        var current = word.pointee.load(ordering: .sequentiallyConsistent)
        while true {
            if current & (GrantEntryFlags.reading | GrantEntryFlags.writing) != 0 { return false }
            let (exchanged, original) = word.pointee.compareExchange(
                expected: current, desired: 0, ordering: .sequentiallyConsistent)
            if exchanged { return true }
            current = original
        }
    }

    /// A mapping made by `map`: the hypercall's result, the GNTST status and
    /// (on success) the handle to unmap it with.
    public struct Mapping {
        public let result: Int32
        public let status: Int16
        public let handle: UInt32
        public var succeeded: Bool { result == 0 && status == 0 }
    }

    /// GNTTABOP_map_grant_ref with GNTMAP_host_map (and GNTMAP_readonly):
    /// maps `domain`'s grant `reference` at `hostAddress`, a free page of our
    /// grant window (0x30000000-0x301FFFFF).
    public static func map(reference: UInt32, of domain: UInt16, at hostAddress: UInt32, readOnly: Bool) -> Mapping {
        // gnttab_map_grant_ref (32 bytes): host_addr u64 @0, flags u32 @8,
        // ref u32 @12, dom u16 @16, status i16 @18, handle u32 @20, dev_bus_addr u64 @24.
        let mapFlags = GrantMapFlags.hostMap | (readOnly ? GrantMapFlags.readOnly : 0)
        var request = InlineArray<4, UInt64>(repeating: 0)
        request[0] = UInt64(widening: hostAddress)
        request[1] = UInt64(widening: mapFlags) | UInt64(widening: reference) &<< 32
        request[2] = UInt64(widening: UInt32(domain))
        let result = withUnsafeMutablePointer(to: &request) { pointer in
            Hypervisor.call(.grantTableOp, GrantTableCommand.mapGrantRef.rawValue, guestAddress(pointer), 1)
        }
        let word = UInt32(truncatingIfNeeded: request[2])
        return Mapping(result: result, status: Int16(truncatingIfNeeded: word &>> 16),
                       handle: UInt32(truncatingIfNeeded: request[2] &>> 32))
    }

    /// GNTTABOP_unmap_grant_ref of the mapping `handle` at `hostAddress`.
    /// Returns (hypercall result, GNTST status).
    public static func unmap(handle: UInt32, at hostAddress: UInt32) -> (result: Int32, status: Int16) {
        // gnttab_unmap_grant_ref (24 bytes): host_addr u64 @0, dev_bus_addr u64 @8
        // (0: not checked), handle u32 @16, status i16 @20.
        var request = InlineArray<3, UInt64>(repeating: 0)
        request[0] = UInt64(widening: hostAddress)
        request[2] = UInt64(widening: handle)
        let result = withUnsafeMutablePointer(to: &request) { pointer in
            Hypervisor.call(.grantTableOp, GrantTableCommand.unmapGrantRef.rawValue, guestAddress(pointer), 1)
        }
        let status = Int16(truncatingIfNeeded: UInt32(truncatingIfNeeded: request[2] &>> 32))
        return (result, status)
    }

    /// The outcome of one GNTTABOP_copy: the hypercall's result (0, or
    /// -errno for the call as a whole) and the operation's GNTST status.
    public struct Copy {
        public let result: Int32
        public let status: Int16
        public var succeeded: Bool { result == 0 && status == 0 }
    }

    /// GNTTABOP_copy of `length` bytes from `domain`'s grant `reference`
    /// (at `referenceOffset` in the granted page) into our guest frame
    /// `frame` (at `frameOffset`). The grant must allow reading.
    public static func copy(fromReference reference: UInt32, of domain: UInt16, offset referenceOffset: UInt16,
                            toFrame frame: UInt32, offset frameOffset: UInt16, length: UInt16) -> Copy {
        copy(grantSide: (reference, domain, referenceOffset), frameSide: (frame, frameOffset),
             length: length, intoGrant: false)
    }

    /// GNTTABOP_copy of `length` bytes from our guest frame `frame` (at
    /// `frameOffset`) into `domain`'s grant `reference` (at
    /// `referenceOffset`). The grant must not be read-only.
    public static func copy(fromFrame frame: UInt32, offset frameOffset: UInt16, toReference reference: UInt32,
                            of domain: UInt16, offset referenceOffset: UInt16, length: UInt16) -> Copy {
        copy(grantSide: (reference, domain, referenceOffset), frameSide: (frame, frameOffset),
             length: length, intoGrant: true)
    }

    private static func copy(grantSide: (reference: UInt32, domain: UInt16, offset: UInt16),
                             frameSide: (frame: UInt32, offset: UInt16), length: UInt16, intoGrant: Bool) -> Copy {
        // gnttab_copy (40 bytes): source {u (ref u32 | gmfn u64) @0, domid u16 @8,
        // offset u16 @10}, dest {same @16, @24, @26}, len u16 @32, flags u16 @34,
        // status i16 @36. Our own frame is named with DOMID_SELF.
        let grant = (UInt64(widening: grantSide.reference),
                     UInt64(widening: UInt32(grantSide.domain) | UInt32(grantSide.offset) &<< 16))
        let local = (UInt64(widening: frameSide.frame),
                     UInt64(widening: UInt32(domainSelf) | UInt32(frameSide.offset) &<< 16))
        let flags = intoGrant ? GrantCopyFlags.destinationGrantRef : GrantCopyFlags.sourceGrantRef
        var request = InlineArray<5, UInt64>(repeating: 0)
        (request[0], request[1]) = intoGrant ? local : grant
        (request[2], request[3]) = intoGrant ? grant : local
        request[4] = UInt64(widening: UInt32(length) | UInt32(flags) &<< 16)
        let result = withUnsafeMutablePointer(to: &request) { pointer in
            Hypervisor.call(.grantTableOp, GrantTableCommand.copy.rawValue, guestAddress(pointer), 1)
        }
        let status = Int16(truncatingIfNeeded: UInt32(truncatingIfNeeded: request[4] &>> 32))
        return Copy(result: result, status: status)
    }

    private static func entry(_ reference: UInt32) -> UnsafeMutableRawPointer? {
        guard let table, reference < entries else { return nil }
        return table + Int(reference &* 8)
    }

    private static func flags(_ entry: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Atomic<UInt16>> {
        entry.assumingMemoryBound(to: Atomic<UInt16>.self)
    }
}
