import GuestRuntime

// Pages this guest sets aside in BSS. The linker aligns BSS to 8 bytes only,
// so each buffer is a page larger than needed and the pages are aligned
// inside it by hand.

/// 8 KiB: one whole page for shared_info.
nonisolated(unsafe) var sharedInfoStorage = InlineArray<2048, UInt32>(repeating: 0)

/// 12 KiB: the two pages the server grants.
nonisolated(unsafe) var grantedStorage = InlineArray<3072, UInt32>(repeating: 0)

/// Registers a page of `sharedInfoStorage` as this domain's shared_info.
func registerSharedInfo() -> Int32 {
    withUnsafeMutableBytes(of: &sharedInfoStorage) { EventChannels.registerSharedInfo(in: $0) }
}

/// The first of the two page-aligned pages inside `grantedStorage`.
func grantedPages() -> UInt32 {
    withUnsafeMutablePointer(to: &grantedStorage) { pointer in
        (UInt32(UInt(bitPattern: pointer)) &+ 0xFFF) & ~UInt32(0xFFF)
    }
}
