// Memory ordering for rings shared between two domains. The core has no inline
// assembly: whoever builds a ring view passes the barriers it needs. The
// hypervisor and guests pass `dmb ish` / `dmb ishst` wrappers (calls the
// optimizer cannot see through, so they also act as compiler barriers); host
// tests, where both sides run on one thread, pass `NoRingBarriers`.

/// The three barriers Xen's io/ring.h uses.
public protocol RingBarriers {
    /// `wmb()`: stores before it are visible before stores after it
    /// (entry contents before the producer index that publishes them).
    func write()
    /// `rmb()`: loads before it complete before loads after it
    /// (the producer index before the entries it covers).
    func read()
    /// `mb()`: all accesses before it before all accesses after it
    /// (publish an index, then read the peer's event threshold).
    func full()
}

/// For host tests and single-threaded simulations: no ordering is needed
/// when both ends of a ring run on the same thread.
public struct NoRingBarriers: RingBarriers {
    public init() {}
    @inline(__always) public func write() {}
    @inline(__always) public func read() {}
    @inline(__always) public func full() {}
}
