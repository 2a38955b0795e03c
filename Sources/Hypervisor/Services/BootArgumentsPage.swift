import HVRegs
import HypervisorCore

/// The last page of each VM's memory holds its bootargs (a NUL-terminated
/// string, r1 at entry). The configuration's text is copied there at boot;
/// the hypervisor then appends what only it knows: the console list for the
/// console backend (SplitConsole), where the RAM of a VM with a DMA-capable
/// device really is. The configuration check leaves room for all of it
/// (HypervisorCore's BootargsAppendix.swift bounds each text: keep it in step).
enum BootArgumentsPage {
    /// A writer positioned at the end of `vm`'s bootargs, or nil when the page
    /// is not inside the VM (never, for a created VM).
    static func appender(vm: Int) -> ByteWriter? {
        let last = Machines.table[vm].memoryBase &+ Machines.table[vm].memorySize
            &- UInt32(truncatingIfNeeded: GuestReservedPages.bootargsPage * PageSize.small)
        guard let page = Machines.guestBytes(vm: vm, address: last, length: 4096) else { return nil }
        var end = 0
        while end < 4095, page[end] != 0 { end += 1 }
        return ByteWriter(bytes: page, position: end)
    }

    /// ` physical-base=0x<hex>` for every Apus guest that owns a DMA-capable device
    /// (docs/CONFIG.md): the guest must hand devices physical addresses (a
    /// Linux VM learns it from its device tree's dma-ranges).
    static func appendPhysicalBase(config: SystemConfig, platform: Platform) {
        for vm in 0..<config.vmCount { appendPhysicalBase(vm: vm, config: config, platform: platform) }
    }

    /// The same for one VM (at boot, and when it restarts).
    static func appendPhysicalBase(vm: Int, config: SystemConfig, platform: Platform) {
        guard config.vms[vm].getsPhysicalBaseArgument(on: platform), var sink = appender(vm: vm) else { return }
        sink.write(" physical-base=")
        sink.write(hex: Machines.table[vm].physicalBase)
        sink.finish()
    }
}

/// Writes text into a byte buffer (NUL-terminated by `finish`), never past its end.
struct ByteWriter: TextSink {
    let bytes: UnsafeMutableRawBufferPointer
    var position: Int

    mutating func write(byte: UInt8) {
        guard position < bytes.count - 1 else { return }
        bytes[position] = byte
        position += 1
    }

    /// Terminates the text and cleans the buffer to the point of coherency
    /// (the guest starts with its caches off).
    func finish() {
        bytes[min(position, bytes.count - 1)] = 0
        GuestMemory.cleanToPointOfCoherency(physical: UInt(bitPattern: bytes.baseAddress), size: UInt(bytes.count))
    }
}
