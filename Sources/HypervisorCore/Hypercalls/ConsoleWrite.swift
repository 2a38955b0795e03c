// Validation of a console_io write request: the guest names a buffer in its
// own guest-physical memory; the hypervisor copies at most a bounded number of
// bytes out of it. Everything a guest passes is checked here, so the
// hypervisor's handler only copies.

/// Longest console write served by one hypercall; longer requests are cut
/// (Xen also bounds them) and the guest sees how many bytes were taken.
public let maximumConsoleWrite: UInt32 = 1024

/// A guest-physical byte range inside one VM's memory.
public struct GuestBuffer: Equatable, Sendable {
    public var address: UInt32
    public var length: UInt32
    public init(address: UInt32, length: UInt32) {
        self.address = address
        self.length = length
    }
}

/// Checks that `[address, address + count)` lies in the guest memory
/// `[memoryBase, memoryBase + memorySize)` and clamps `count` to
/// `maximumConsoleWrite`. A zero count is valid and writes nothing.
public func validateConsoleWrite(
    address: UInt32, count: UInt32, memoryBase: UInt32, memorySize: UInt32
) -> Result<GuestBuffer, XenError> {
    let length = min(count, maximumConsoleWrite)
    guard length > 0 else { return .success(GuestBuffer(address: address, length: 0)) }
    return validateGuestRange(address: address, length: length, memoryBase: memoryBase, memorySize: memorySize)
        .map { GuestBuffer(address: address, length: length) }
}

/// `[address, address + length)` inside guest memory (computed in 64 bits, so
/// nothing wraps); -EFAULT otherwise.
public func validateGuestRange(
    address: UInt32, length: UInt32, memoryBase: UInt32, memorySize: UInt32
) -> Result<Void, XenError> {
    let end = UInt64(widening: address) + UInt64(widening: length)
    let memoryEnd = UInt64(widening: memoryBase) + UInt64(widening: memorySize)
    guard address >= memoryBase, end <= memoryEnd else { return .failure(.fault) }
    return .success(())
}
