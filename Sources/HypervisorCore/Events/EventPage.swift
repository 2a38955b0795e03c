// The hypervisor's side of one VCPU's 2-level event state: the pending and
// mask bitmaps of the domain's shared_info page and the selector and upcall
// flag of the VCPU's vcpu_info (which is vcpu_info[0] inside shared_info
// until the guest moves it with VCPUOP_register_vcpu_info). The page is
// shared with a running guest, so every update is an atomic read-modify-write
// of one 32-bit word (LDREX/STREX on ARMv7) and never a store of a whole word
// computed earlier: a guest that is clearing bits in the same word at the
// same time keeps its update and ours. The hypervisor's STREX also clears the
// CPU's exclusive monitor, so a guest LDREX/STREX sequence interrupted by a
// trap that set a bit retries instead of writing back a stale word.
//
// Order of the writes in `setPending` and `unmask`: pending bit, then
// selector bit, then evtchn_upcall_pending. The guest consumes them in the
// opposite order (clears upcall_pending, swaps the selector to 0, then reads
// and clears pending bits), so whatever prefix of our writes it observes, it
// either finds the event now or is left with a flag set that makes it look
// again: an upcall flag seen before its selector bit would let the guest
// clear the flag, find an empty selector and sleep on a pending event. On
// one CPU the guest does not run while the hypervisor writes and program
// order suffices; the sequentially consistent operations keep the order for
// a guest VCPU on another CPU.
import Synchronization

public struct EventPage {
    public let sharedInfo: UnsafeMutableRawPointer
    public let vcpuInfo: UnsafeMutableRawPointer

    /// `sharedInfo` points at the domain's shared_info page, `vcpuInfo` at the
    /// VCPU's vcpu_info (8-aligned); by default vcpu_info[0] in that page.
    public init(sharedInfo: UnsafeMutableRawPointer, vcpuInfo: UnsafeMutableRawPointer? = nil) {
        self.sharedInfo = sharedInfo
        self.vcpuInfo = vcpuInfo ?? sharedInfo + SharedInfoLayout.vcpuInfoOffset
    }

    /// Marks `port` pending. Returns true when this raised evtchn_upcall_pending
    /// from 0, i.e. the VCPU must get the upcall interrupt (virtual PPI 31).
    /// A port that was already pending, or is masked, or whose selector bit was
    /// already set, needs no new upcall (Xen's 2-level set_pending).
    public func setPending(_ port: UInt32) -> Bool {
        guard port < EventChannelABI.twoLevelPortLimit else { return false }
        if EventBits.set(sharedInfo + SharedInfoLayout.pendingOffset, bit: port) { return false }
        if EventBits.test(sharedInfo + SharedInfoLayout.maskOffset, bit: port) { return false }
        return raiseSelector(forPort: port)
    }

    /// Clears the mask bit of `port`; if it was masked and is pending, raises
    /// it as `setPending` would have. Returns true when the VCPU needs the upcall.
    public func unmask(_ port: UInt32) -> Bool {
        guard port < EventChannelABI.twoLevelPortLimit else { return false }
        guard EventBits.clear(sharedInfo + SharedInfoLayout.maskOffset, bit: port) else { return false }
        guard EventBits.test(sharedInfo + SharedInfoLayout.pendingOffset, bit: port) else { return false }
        return raiseSelector(forPort: port)
    }

    /// Sets the pending bit of `port` only: for a VCPU without a vcpu_info yet,
    /// whose registration raises every selector (Xen's dummy vcpu_info).
    public func markPending(_ port: UInt32) {
        guard port < EventChannelABI.twoLevelPortLimit else { return }
        _ = EventBits.set(sharedInfo + SharedInfoLayout.pendingOffset, bit: port)
    }

    /// Clears the mask bit of `port` only (as `markPending`, for a VCPU without a vcpu_info).
    public func clearMask(_ port: UInt32) {
        guard port < EventChannelABI.twoLevelPortLimit else { return }
        _ = EventBits.clear(sharedInfo + SharedInfoLayout.maskOffset, bit: port)
    }

    /// Clears the pending bit of `port` (a port being freed must not fire on reuse).
    public func clearPending(_ port: UInt32) {
        guard port < EventChannelABI.twoLevelPortLimit else { return }
        _ = EventBits.clear(sharedInfo + SharedInfoLayout.pendingOffset, bit: port)
    }

    public func isPending(_ port: UInt32) -> Bool {
        port < EventChannelABI.twoLevelPortLimit
            && EventBits.test(sharedInfo + SharedInfoLayout.pendingOffset, bit: port)
    }

    public func isMasked(_ port: UInt32) -> Bool {
        port < EventChannelABI.twoLevelPortLimit
            && EventBits.test(sharedInfo + SharedInfoLayout.maskOffset, bit: port)
    }

    /// evtchn_upcall_pending is non-zero: the VCPU has events to look at. The
    /// hypervisor may keep the upcall PPI pending while this holds.
    public var isUpcallPending: Bool {
        (vcpuInfo + SharedInfoLayout.upcallPendingOffset)
            .assumingMemoryBound(to: Atomic<UInt8>.self).pointee.load(ordering: .acquiring) != 0
    }

    /// Selector bit, then upcall flag; true when the flag went from 0 to 1.
    @inline(__always)
    private func raiseSelector(forPort port: UInt32) -> Bool {
        let word = port / EventChannelABI.bitsPerWord
        if EventBits.set(vcpuInfo + SharedInfoLayout.pendingSelectorOffset, bit: word) { return false }
        let flag = (vcpuInfo + SharedInfoLayout.upcallPendingOffset).assumingMemoryBound(to: Atomic<UInt8>.self)
        return flag.pointee.exchange(1, ordering: .sequentiallyConsistent) == 0
    }
}

/// Atomic single-bit operations on a little-endian bitmap of 32-bit words.
enum EventBits {
    @inline(__always)
    static func word(_ base: UnsafeMutableRawPointer, _ bit: UInt32) -> UnsafeMutablePointer<Atomic<UInt32>> {
        (base + SharedInfoLayout.wordOffset(ofBit: bit)).assumingMemoryBound(to: Atomic<UInt32>.self)
    }

    /// Sets the bit; returns whether it was already set.
    @inline(__always)
    static func set(_ base: UnsafeMutableRawPointer, bit: UInt32) -> Bool {
        let m = SharedInfoLayout.mask(ofBit: bit)
        return word(base, bit).pointee.bitwiseOr(m, ordering: .sequentiallyConsistent).oldValue & m != 0
    }

    /// Clears the bit; returns whether it was set.
    @inline(__always)
    static func clear(_ base: UnsafeMutableRawPointer, bit: UInt32) -> Bool {
        let m = SharedInfoLayout.mask(ofBit: bit)
        return word(base, bit).pointee.bitwiseAnd(~m, ordering: .sequentiallyConsistent).oldValue & m != 0
    }

    @inline(__always)
    static func test(_ base: UnsafeMutableRawPointer, bit: UInt32) -> Bool {
        word(base, bit).pointee.load(ordering: .sequentiallyConsistent) & SharedInfoLayout.mask(ofBit: bit) != 0
    }

    /// Atomically replaces the 32-bit word at `offset` bytes with 0; returns its old value.
    @inline(__always)
    static func take(_ base: UnsafeMutableRawPointer, offset: Int) -> UInt32 {
        (base + offset).assumingMemoryBound(to: Atomic<UInt32>.self).pointee
            .exchange(0, ordering: .sequentiallyConsistent)
    }

    @inline(__always)
    static func load(_ base: UnsafeMutableRawPointer, offset: Int) -> UInt32 {
        (base + offset).assumingMemoryBound(to: Atomic<UInt32>.self).pointee.load(ordering: .sequentiallyConsistent)
    }
}
