// The grant_table_op argument structs as they lie in guest memory on ARM
// (little-endian; uint64_t and guest handles 8-byte aligned, so these offsets
// hold for 32-bit guests too; checked against clang's layout for armv7):
//   gnttab_map_grant_ref   32 bytes: host_addr u64 @0, flags u32 @8, ref u32 @12,
//                          dom u16 @16, status i16 @18, handle u32 @20, dev_bus_addr u64 @24
//   gnttab_unmap_grant_ref 24 bytes: host_addr u64 @0, dev_bus_addr u64 @8,
//                          handle u32 @16, status i16 @20
//   gnttab_setup_table     24 bytes: dom u16 @0, nr_frames u32 @4, status i16 @8,
//                          frame_list (guest handle of xen_pfn_t = u64) @16
//   gnttab_copy            40 bytes: source {u (ref u32 | gmfn u64) @0, domid u16 @8,
//                          offset u16 @10}, dest {same @16, @24, @26}, len u16 @32,
//                          flags u16 @34, status i16 @36
//   gnttab_query_size      16 bytes: dom u16 @0, nr_frames u32 @4, max_nr_frames u32 @8, status i16 @12
// The hypervisor hands in the bytes after validating the guest range; every
// access here is bounds-checked and byte-wise (no alignment assumed).

/// Little-endian fields of one argument struct in a guest buffer.
public struct GuestStruct {
    public let bytes: UnsafeMutableRawBufferPointer
    public let offset: Int

    public init(_ bytes: UnsafeMutableRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    func byte(_ at: Int) -> UInt32 {
        let i = offset + at
        guard i >= 0, i < bytes.count else { return 0 }
        return UInt32(bytes[i])
    }

    func setByte(_ at: Int, _ value: UInt32) {
        let i = offset + at
        guard i >= 0, i < bytes.count else { return }
        bytes[i] = UInt8(truncatingIfNeeded: value)
    }

    public func u16(_ at: Int) -> UInt16 { UInt16(truncatingIfNeeded: byte(at) | byte(at + 1) &<< 8) }
    public func u32(_ at: Int) -> UInt32 { byte(at) | byte(at + 1) &<< 8 | byte(at + 2) &<< 16 | byte(at + 3) &<< 24 }
    public func u64(_ at: Int) -> UInt64 { UInt64(widening: u32(at)) | UInt64(widening: u32(at + 4)) &<< 32 }

    public func setU16(_ at: Int, _ value: UInt16) {
        setByte(at, UInt32(value))
        setByte(at + 1, UInt32(value) &>> 8)
    }
    public func setU32(_ at: Int, _ value: UInt32) {
        for i in 0..<4 { setByte(at + i, value &>> UInt32(8 * i)) }
    }
    public func setU64(_ at: Int, _ value: UInt64) {
        setU32(at, UInt32(truncatingIfNeeded: value))
        setU32(at + 4, UInt32(truncatingIfNeeded: value &>> 32))
    }
    public func setStatus(_ at: Int, _ status: GrantStatus) { setU16(at, UInt16(bitPattern: status.rawValue)) }
    public func status(_ at: Int) -> Int16 { Int16(bitPattern: u16(at)) }
}

public enum GrantArgumentLayout {
    public static let mapSize = 32
    public static let unmapSize = 24
    public static let setupTableSize = 24
    public static let copySize = 40
    public static let querySizeSize = 16

    /// The size of one argument struct of `command`, or nil when Apus does not implement it.
    public static func size(of command: GrantTableCommand) -> Int? {
        switch command {
        case .mapGrantRef: mapSize
        case .unmapGrantRef: unmapSize
        case .setupTable: setupTableSize
        case .copy: copySize
        case .querySize: querySizeSize
        default: nil
        }
    }
}

extension GrantMapRequest {
    public init(decoding s: GuestStruct) {
        self.init(hostAddress: s.u64(0), flags: s.u32(8), reference: s.u32(12), domain: s.u16(16))
    }

    /// Writes the outputs: status, and on success handle and dev_bus_addr.
    public static func encode(_ result: Result<GrantMapping, GrantError>, into s: GuestStruct) {
        switch result {
        case .success(let mapping):
            s.setStatus(18, .okay)
            s.setU32(20, mapping.handle)
            s.setU64(24, mapping.frame.value)
        case .failure(let error):
            s.setStatus(18, error.status)
        }
    }
}

extension GrantUnmapRequest {
    public init(decoding s: GuestStruct) {
        self.init(hostAddress: s.u64(0), deviceAddress: s.u64(8), handle: s.u32(16))
    }

    public static func encodeStatus(_ status: GrantStatus, into s: GuestStruct) { s.setStatus(20, status) }
}

extension GrantCopyRequest {
    public init(decoding s: GuestStruct) {
        let flags = s.u16(34)
        func side(_ at: Int, reference: Bool) -> GrantCopySide {
            // A reference is the u32 at the start of the union; a frame the whole u64.
            GrantCopySide(isReference: reference, value: reference ? UInt64(widening: s.u32(at)) : s.u64(at),
                          domain: s.u16(at + 8), offset: s.u16(at + 10))
        }
        self.init(source: side(0, reference: flags & GrantCopyFlags.sourceGrantRef != 0),
                  destination: side(16, reference: flags & GrantCopyFlags.destinationGrantRef != 0),
                  length: s.u16(32))
    }

    public static func encodeStatus(_ status: GrantStatus, into s: GuestStruct) { s.setStatus(36, status) }
}

/// gnttab_setup_table's inputs.
public struct GrantSetupTableRequest: Equatable, Sendable {
    public var domain: DomainID
    public var frames: UInt32
    /// The guest address of the frame list (u64 entries).
    public var frameList: UInt64

    public init(decoding s: GuestStruct) {
        domain = s.u16(0)
        frames = s.u32(4)
        frameList = s.u64(16)
    }

    public static func encodeStatus(_ status: GrantStatus, into s: GuestStruct) { s.setStatus(8, status) }
}

/// gnttab_query_size's input is dom at 0; outputs below.
public enum GrantQuerySize {
    public static func domain(_ s: GuestStruct) -> DomainID { s.u16(0) }

    public static func encode(_ result: Result<(frames: UInt32, maximum: UInt32), GrantError>, into s: GuestStruct) {
        switch result {
        case .success(let size):
            s.setU32(4, size.frames)
            s.setU32(8, size.maximum)
            s.setStatus(12, .okay)
        case .failure(let error):
            s.setStatus(12, error.status)
        }
    }
}
