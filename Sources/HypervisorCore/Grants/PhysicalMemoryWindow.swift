// The physical memory the grant code may touch (guests' grant tables and the
// pages a copy moves), as bytes the caller can reach: in the hypervisor all of
// RAM through its identity map (`base` = RAM start, `bytes` starting at the same
// address); in host tests an allocated buffer standing in for it. Every access
// is checked to lie wholly inside the window, so a bad physical address reads
// as "no such memory", never as a wild pointer.

public struct PhysicalMemoryWindow {
    public let base: PhysicalAddress
    public let bytes: UnsafeMutableRawBufferPointer

    public init(base: PhysicalAddress, bytes: UnsafeMutableRawBufferPointer) {
        self.base = base
        self.bytes = bytes
    }

    /// Whether [address, address + length) lies inside the window.
    public func contains(_ address: PhysicalAddress, length: Int) -> Bool {
        offset(of: address, length: length) != nil
    }

    func offset(of address: PhysicalAddress, length: Int) -> Int? {
        guard length >= 0, address.value >= base.value else { return nil }
        let offset = address.value - base.value
        let size = UInt64(clampingNonNegative: bytes.count)
        guard offset <= size, UInt64(clampingNonNegative: length) <= size - offset else { return nil }
        return Int(truncatingIfNeeded: offset)
    }

    func pointer(_ address: PhysicalAddress, length: Int) -> UnsafeMutableRawPointer? {
        guard let offset = offset(of: address, length: length), let start = bytes.baseAddress else { return nil }
        return start + offset
    }

    /// Performs a copy the grant code decided on; false if either side leaves the window.
    @discardableResult
    public func perform(_ copy: GrantCopy) -> Bool {
        guard copy.length > 0 else { return true }
        guard let source = pointer(copy.source, length: copy.length),
              let destination = pointer(copy.destination, length: copy.length) else { return false }
        destination.copyMemory(from: UnsafeRawPointer(source), byteCount: copy.length)
        return true
    }
}

/// One grant_entry_v1 as stored in a granter's table page: {u16 flags, u16 domid,
/// u32 frame} at offsets 0, 2, 4; 8 bytes, little-endian.
public struct GrantEntry: Equatable, Sendable {
    public static let size = 8
    public var flags: UInt16
    public var domain: DomainID
    /// The granted page as a frame number of the granter's guest-physical space.
    public var frame: UInt32

    public init(flags: UInt16, domain: DomainID, frame: UInt32) {
        self.flags = flags
        self.domain = domain
        self.frame = frame
    }
}

extension PhysicalMemoryWindow {
    /// The entry at `address` (8-byte aligned inside a table page), or nil outside the window.
    func loadEntry(at address: PhysicalAddress) -> GrantEntry? {
        guard let p = pointer(address, length: GrantEntry.size) else { return nil }
        return GrantEntry(flags: p.load(as: UInt16.self), domain: p.load(fromByteOffset: 2, as: UInt16.self),
                          frame: p.load(fromByteOffset: 4, as: UInt32.self))
    }

    /// Sets `set` and clears `clear` in the flags of the entry at `address`; the
    /// guest's other bits stay as the guest left them.
    func updateEntryFlags(at address: PhysicalAddress, set: UInt16, clear: UInt16) {
        guard let p = pointer(address, length: GrantEntry.size) else { return }
        let flags = p.assumingMemoryBound(to: UInt16.self)
        flags.pointee = (flags.pointee & ~clear) | set
    }
}
