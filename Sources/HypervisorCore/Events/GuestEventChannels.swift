// The guest's side of the 2-level event ABI over the same shared_info /
// vcpu_info layout, for the guest runtime's upcall handler (virtual PPI 31):
//
//   repeat
//     evtchn_upcall_pending = 0          cleared first, so an event raised
//                                        from here on sets it again
//     for each half of the selector: swap it with 0
//       for each selected pending word w, each 32-bit half:
//         ready = pending & ~mask
//         for each set bit p (lowest first): clear pending bit p, dispatch(p)
//   until evtchn_upcall_pending == 0 (or the optional round limit)
//
// The hypervisor may set bits at any instruction (a trap can run another
// domain that sends to this one), so every clear is an atomic swap or AND
// on one 32-bit word (LDREX/STREX): a plain load-modify-store could write
// back a word without the hypervisor's new bit and lose that event. A
// pending bit is cleared before its handler runs, so an event that arrives
// during the handler is seen on the next round. Masked ports stay pending
// and are not dispatched; EVTCHNOP_unmask re-raises them.
import Synchronization

public struct GuestEventChannels {
    public let sharedInfo: UnsafeMutableRawPointer
    public let vcpuInfo: UnsafeMutableRawPointer

    public init(sharedInfo: UnsafeMutableRawPointer, vcpuInfo: UnsafeMutableRawPointer? = nil) {
        self.sharedInfo = sharedInfo
        self.vcpuInfo = vcpuInfo ?? sharedInfo + SharedInfoLayout.vcpuInfoOffset
    }

    /// Calls `handler` with every pending, unmasked port, clearing each port's
    /// pending bit before its call, until evtchn_upcall_pending stays clear
    /// (as Linux does). Returns the number of calls. With a `rounds` limit it
    /// may return with the flag still set: the hypervisor injects the upcall
    /// only when the flag goes from 0 to 1, so a bounded handler is only safe
    /// if the hypervisor keeps PPI 31 pending while the flag is set (level
    /// semantics, as Xen's new vGIC does) or the guest comes back by itself.
    @discardableResult
    public func dispatchPending(rounds limit: Int = .max, _ handler: (UInt32) -> Void) -> Int {
        let flag = (vcpuInfo + SharedInfoLayout.upcallPendingOffset)
            .assumingMemoryBound(to: Atomic<UInt8>.self)
        var calls = 0
        var round = 0
        while round < limit {
            flag.pointee.store(0, ordering: .sequentiallyConsistent)
            var half = 0
            while half < 2 {
                var selected = EventBits.take(vcpuInfo, offset: SharedInfoLayout.pendingSelectorOffset &+ half &* 4)
                while selected != 0 {
                    let bit = UInt32(selected.trailingZeroBitCount)
                    selected &= selected &- 1
                    calls &+= dispatchWord(UInt32(half) &* 32 &+ bit, handler)
                }
                half &+= 1
            }
            round &+= 1
            if flag.pointee.load(ordering: .sequentiallyConsistent) == 0 { break }
        }
        return calls
    }

    /// Dispatches the ready ports of 64-bit pending word `word`.
    private func dispatchWord(_ word: UInt32, _ handler: (UInt32) -> Void) -> Int {
        var calls = 0
        var half: UInt32 = 0
        while half < 2 {
            let firstPort = word &* EventChannelABI.bitsPerWord &+ half &* 32
            let offset = SharedInfoLayout.wordOffset(ofBit: firstPort)
            var ready = EventBits.load(sharedInfo + SharedInfoLayout.pendingOffset, offset: offset)
                & ~EventBits.load(sharedInfo + SharedInfoLayout.maskOffset, offset: offset)
            while ready != 0 {
                let port = firstPort &+ UInt32(ready.trailingZeroBitCount)
                ready &= ready &- 1
                if EventBits.clear(sharedInfo + SharedInfoLayout.pendingOffset, bit: port) {
                    handler(port)
                    calls &+= 1
                }
            }
            half &+= 1
        }
        return calls
    }

    /// Sets the mask bit of `port`: it stays pending but raises no upcall.
    public func mask(_ port: UInt32) {
        guard port < EventChannelABI.twoLevelPortLimit else { return }
        _ = EventBits.set(sharedInfo + SharedInfoLayout.maskOffset, bit: port)
    }

    /// Clears the pending bit of `port` without dispatching it; returns whether it was set.
    @discardableResult
    public func clearPending(_ port: UInt32) -> Bool {
        guard port < EventChannelABI.twoLevelPortLimit else { return false }
        return EventBits.clear(sharedInfo + SharedInfoLayout.pendingOffset, bit: port)
    }

    public func isPending(_ port: UInt32) -> Bool {
        port < EventChannelABI.twoLevelPortLimit
            && EventBits.test(sharedInfo + SharedInfoLayout.pendingOffset, bit: port)
    }

    /// evtchn_upcall_pending is set: `dispatchPending` has work.
    public var isUpcallPending: Bool {
        (vcpuInfo + SharedInfoLayout.upcallPendingOffset)
            .assumingMemoryBound(to: Atomic<UInt8>.self).pointee.load(ordering: .acquiring) != 0
    }
}
