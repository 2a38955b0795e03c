import HVRegs

/// Filling a VM's memory before it starts, through the hypervisor's identity map.
enum GuestMemory {
    static func clear(physical: UInt, size: UInt) {
        let words = UnsafeMutablePointer<UInt32>(bitPattern: physical)!
        for index in 0..<Int(size / 4) { words[index] = 0 }
    }

    static func copy(_ bytes: UnsafeRawBufferPointer, toPhysical physical: UInt) {
        let destination = UnsafeMutableRawPointer(bitPattern: physical)!
        destination.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    }

    /// Copies `text` as a NUL-terminated string (at most 4095 bytes kept).
    static func copyString(_ text: UnsafeRawBufferPointer, toPhysical physical: UInt) {
        let destination = UnsafeMutablePointer<UInt8>(bitPattern: physical)!
        var length = 0
        while length < text.count, length < 4095, text[length] != 0 {
            destination[length] = text[length]
            length += 1
        }
        destination[length] = 0
    }

    /// The guest starts with its MMU and caches off, so what the hypervisor
    /// wrote through its caches must reach memory, and no line may stay
    /// behind to shadow what the guest then writes uncached (a no-op in
    /// QEMU, essential on silicon): clean and invalidate to the PoC.
    static func cleanToPointOfCoherency(physical: UInt, size: UInt) {
        let line = UInt(4) << UInt((hv_read_ctr() >> 16) & 0xF)  // CTR.DminLine, in words
        var address = physical & ~(line - 1)
        while address < physical + size {
            hv_write_dccimvac(UInt32(truncatingIfNeeded: address))
            address += line
        }
        hv_dsb()
        hv_write_iciallu(0)
        hv_dsb()
        hv_isb()
    }
}
