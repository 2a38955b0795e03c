import GuestRuntime
import GuestSupport
import HypervisorCore
import XenRings

/// 8 KiB of BSS: one whole, page-aligned page of it becomes shared_info
/// (BSS is only 8-byte aligned, so the buffer is a page larger than needed).
nonisolated(unsafe) var sharedInfoStorage = InlineArray<2048, UInt32>(repeating: 0)

func registerSharedInfo() -> Int32 {
    withUnsafeMutableBytes(of: &sharedInfoStorage) { EventChannels.registerSharedInfo(in: $0) }
}

/// Ring barriers for pages shared with frontends. DSB orders at least as
/// much as the DMBs Xen uses, and the inline assembly's memory clobber
/// stops the compiler moving accesses across it.
struct SharedPageBarriers: RingBarriers {
    @inline(__always) func write() { g_dsb() }
    @inline(__always) func read() { g_dsb() }
    @inline(__always) func full() { g_dsb() }
}
