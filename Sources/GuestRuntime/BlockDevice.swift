import HypervisorCore

/// A disk a guest reads and writes in 512-byte sectors, whichever way it
/// reaches it: its own virtio-blk device (passthrough, `VirtioBlock`) or the
/// driver domain's block back end (split, `BlockFrontend`). Guests are
/// generic over it, so both paths run the same code (docs/BLOCK.md).
public protocol BlockDevice {
    associatedtype Status: BlockRequestStatus
    /// Sectors the disk holds.
    var capacity: UInt64 { get }
    mutating func read(sector: UInt64, count: Int, into buffer: UnsafeMutableRawBufferPointer) -> Status
    mutating func write(sector: UInt64, count: Int, from buffer: UnsafeRawBufferPointer) -> Status
    mutating func flush() -> Status
}

/// How a request ended, as the guests print it.
public protocol BlockRequestStatus: Equatable {
    var isOK: Bool { get }
    var name: StaticString { get }
}

extension VirtioBlockStatus: BlockRequestStatus {
    public var isOK: Bool { self == .ok }
}

extension VirtioBlock: BlockDevice {}
