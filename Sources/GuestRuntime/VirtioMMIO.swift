import GuestKit
import GuestSupport
import HypervisorCore

/// A legacy (version 1) virtio-mmio transport: 0x200 bytes of registers at
/// `base` (virtio 1.x, "MMIO Device Register Layout" and its legacy
/// interface), plus the one virtqueue this runtime drives. Only this
/// transport's own 0x200 bytes are ever touched, so it works whether the VM
/// was given the whole virtio page or just its transport.
public struct VirtioMMIO {
    /// Register offsets of the legacy interface.
    public enum Register: UInt {
        case magicValue = 0x000        // "virt"
        case version = 0x004           // 1: legacy
        case deviceID = 0x008
        case vendorID = 0x00C
        case hostFeatures = 0x010
        case hostFeaturesSelect = 0x014
        case guestFeatures = 0x020
        case guestFeaturesSelect = 0x024
        case guestPageSize = 0x028
        case queueSelect = 0x030
        case queueNumberMaximum = 0x034
        case queueNumber = 0x038
        case queueAlign = 0x03C
        case queuePageFrame = 0x040
        case queueNotify = 0x050
        case interruptStatus = 0x060
        case interruptAcknowledge = 0x064
        case status = 0x070
    }

    /// Device status bits.
    public enum Status {
        public static let acknowledge: UInt32 = 1
        public static let driver: UInt32 = 2
        public static let driverOK: UInt32 = 4
        public static let needsReset: UInt32 = 0x40
        public static let failed: UInt32 = 0x80
    }

    public static let magic: UInt32 = 0x7472_6976  // "virt", little-endian
    public static let legacyVersion: UInt32 = 1
    public static let configOffset: UInt = 0x100
    public static let pageSize: UInt32 = 4096

    public let base: UInt

    public init(base: UInt) { self.base = base }

    public func read(_ register: Register) -> UInt32 { g_mmio_read32(base + register.rawValue) }

    public func write(_ register: Register, _ value: UInt32) {
        g_dsb()  // what the device may read (rings, buffers) is complete before it is told
        g_mmio_write32(base + register.rawValue, value)
    }

    /// A 32-bit word of the device-specific configuration space.
    public func config32(_ offset: UInt) -> UInt32 { g_mmio_read32(base + Self.configOffset + offset) }

    /// A little-endian 64-bit field of the configuration space, read until
    /// both halves are stable (the device may change it between the reads).
    public func config64(_ offset: UInt) -> UInt64 {
        while true {
            let high = config32(offset + 4)
            let low = config32(offset)
            if config32(offset + 4) == high { return UInt64(widening: low) | UInt64(widening: high) &<< 32 }
        }
    }

    /// Acknowledges every interrupt cause pending now; returns them
    /// (bit 0: used buffer, bit 1: configuration change).
    @discardableResult
    public func acknowledgeInterrupt() -> UInt32 {
        let pending = read(.interruptStatus)
        if pending != 0 { write(.interruptAcknowledge, pending) }
        return pending
    }

    /// Reset, ACKNOWLEDGE, DRIVER, then feature negotiation: the device must
    /// be a legacy one with `deviceID`; `accept` gets the device's feature
    /// word 0 and returns the bits the driver takes. Returns the accepted
    /// features. The caller sets up its queue and then calls `ready()`.
    public func begin(deviceID: UInt32, accept: (UInt32) -> UInt32) throws(VirtioError) -> UInt32 {
        let magic = read(.magicValue)
        guard magic == Self.magic else { throw .noDevice(magic: magic) }
        let version = read(.version)
        guard version == Self.legacyVersion else { throw .unsupportedVersion(version) }
        let found = read(.deviceID)
        guard found == deviceID else { throw .wrongDevice(found: found, expected: deviceID) }
        write(.status, 0)
        write(.status, Status.acknowledge)
        write(.status, Status.acknowledge | Status.driver)
        write(.hostFeaturesSelect, 0)
        let accepted = accept(read(.hostFeatures))
        write(.guestFeaturesSelect, 0)
        write(.guestFeatures, accepted)
        try checkNotFailed()
        return accepted
    }

    /// DRIVER_OK, then a look at whether the device gave up.
    public func ready() throws(VirtioError) {
        write(.status, Status.acknowledge | Status.driver | Status.driverOK)
        try checkNotFailed()
    }

    /// Marks the device FAILED (the driver gave up on it).
    public func fail() { write(.status, read(.status) | Status.failed) }

    private func checkNotFailed() throws(VirtioError) {
        let status = read(.status)
        if status & (Status.failed | Status.needsReset) != 0 { throw .deviceFailed(status: status) }
    }
}

/// Why a virtio device could not be used.
public enum VirtioError: Error, Equatable {
    /// MagicValue is not "virt": nothing (or no virtio-mmio) at the address.
    case noDevice(magic: UInt32)
    /// Not the legacy interface (version 1) this driver speaks.
    case unsupportedVersion(UInt32)
    /// Another kind of device (0: an empty transport).
    case wrongDevice(found: UInt32, expected: UInt32)
    /// QueuePFN was already set: someone else drives this queue.
    case queueInUse
    /// QueueNumMax is below what the driver needs (0: no such queue).
    case queueTooSmall(maximum: UInt32)
    /// The device set FAILED or DEVICE_NEEDS_RESET.
    case deviceFailed(status: UInt32)
    /// The queue's memory does not translate to a physical address.
    case queueOutsideRAM

    /// `virtio: <what is wrong>`.
    public func describe<Sink: TextSink>(to sink: inout Sink) {
        sink.write("virtio: ")
        switch self {
        case .noDevice(let magic):
            sink.write("no virtio-mmio device (magic ")
            sink.write(hex: magic)
            sink.write(")")
        case .unsupportedVersion(let version):
            sink.write("version ")
            sink.write(decimal: version)
            sink.write(", only legacy version 1 is supported")
        case .wrongDevice(let found, let expected):
            sink.write("device id ")
            sink.write(decimal: found)
            sink.write(found == 0 ? " (no device behind the transport)" : "")
            sink.write(", expected ")
            sink.write(decimal: expected)
        case .queueInUse:
            sink.write("queue 0 is already in use")
        case .queueTooSmall(let maximum):
            sink.write("queue 0 holds at most ")
            sink.write(decimal: maximum)
            sink.write(" entries, need ")
            sink.write(decimal: UInt32(truncatingIfNeeded: Virtqueue.size))
        case .deviceFailed(let status):
            sink.write("device failed (status ")
            sink.write(hex: status)
            sink.write(")")
        case .queueOutsideRAM:
            sink.write("queue memory is outside guest RAM")
        }
    }
}

/// One buffer of a descriptor chain: its physical address and length, and
/// whether the device writes it (else it reads it).
public struct VirtqueueBuffer {
    public var physical: UInt32
    public var length: UInt32
    public var deviceWrites: Bool

    public init(physical: UInt32, length: UInt32, deviceWrites: Bool) {
        self.physical = physical
        self.length = length
        self.deviceWrites = deviceWrites
    }
}

/// 12 KiB of BSS: two page-aligned pages for the queue (descriptors and
/// available ring in the first, the used ring in the second, QueueAlign
/// 4096), aligned inside it by hand as the linker aligns BSS to 8 only.
nonisolated(unsafe) var virtqueueStorage = InlineArray<3072, UInt32>(repeating: 0)

/// Queue 0 of a legacy transport, driven one request at a time: a chain
/// goes in at descriptors 0, 1, 2..., and the driver polls the used ring's
/// index for its completion (no WFI: under `-icount sleep=off` an idle CPU
/// warps virtual time to the next timer, which would distort latencies).
/// Bytes 0x800-0xFFF of the first page are scratch a driver may use for
/// small device-visible structures (request headers, status bytes).
public struct Virtqueue {
    public static let size = 8
    public static let layout = VirtqueueLayout(size: size, align: Int(VirtioMMIO.pageSize))
    public static let scratchOffset = 0x800
    public static let scratchSize = 0x800

    static let descriptorNext: UInt16 = 1
    static let descriptorWrite: UInt16 = 2

    let transport: VirtioMMIO
    /// The first of the two pages, and its physical address.
    let pages: UnsafeMutableRawPointer
    let pagesPhysical: UInt32
    var lastUsed: UInt16 = 0
    var nextAvailable: UInt16 = 0

    /// Sets up queue 0 of `transport` in the runtime's queue storage (the
    /// device is between `begin` and `ready`).
    public init(transport: VirtioMMIO, window: GuestDMAWindow) throws(VirtioError) {
        let address = withUnsafeMutablePointer(to: &virtqueueStorage) { pointer in
            (UInt32(UInt(bitPattern: pointer)) &+ 0xFFF) & ~UInt32(0xFFF)
        }
        guard let physical = window.physical(of: address, length: 2 * VirtioMMIO.pageSize) else {
            throw .queueOutsideRAM
        }
        self.transport = transport
        pages = UnsafeMutableRawPointer(bitPattern: UInt(address))!
        pagesPhysical = physical
        for word in 0..<2048 { pages.assumingMemoryBound(to: UInt32.self)[word] = 0 }

        transport.write(.guestPageSize, VirtioMMIO.pageSize)
        transport.write(.queueSelect, 0)
        guard transport.read(.queuePageFrame) == 0 else { throw .queueInUse }
        let maximum = transport.read(.queueNumberMaximum)
        guard maximum >= UInt32(truncatingIfNeeded: Self.size) else { throw .queueTooSmall(maximum: maximum) }
        transport.write(.queueNumber, UInt32(truncatingIfNeeded: Self.size))
        transport.write(.queueAlign, VirtioMMIO.pageSize)
        transport.write(.queuePageFrame, physical &>> 12)
    }

    /// Device-visible scratch bytes (guest pointer, physical address).
    public var scratch: (pointer: UnsafeMutableRawPointer, physical: UInt32) {
        (pages + Self.scratchOffset, pagesPhysical &+ UInt32(truncatingIfNeeded: Self.scratchOffset))
    }

    /// Outcome of one chain.
    public enum Completion: Equatable {
        /// The device used the chain and wrote `written` bytes into it.
        case used(written: UInt32)
        /// The device did not answer within the patience given.
        case timedOut
        /// The device answered with a descriptor id this driver never gave it.
        case corrupt
    }

    /// Publishes `count` buffers as one chain (descriptors 0..<count),
    /// notifies the device and polls the used ring until it comes back or
    /// `timeoutTicks` counter ticks pass.
    public mutating func run<let capacity: Int>(_ buffers: InlineArray<capacity, VirtqueueBuffer>, count: Int,
                                                timeoutTicks: UInt64) -> Completion {
        let chain = min(count, min(capacity, Self.size))
        guard chain > 0 else { return .corrupt }
        let descriptors = pages + Self.layout.descriptorsOffset
        for index in 0..<chain {
            let buffer = buffers[index]
            let entry = descriptors + index * VirtqueueLayout.descriptorSize
            // virtq_desc: addr u64 @0, len u32 @8, flags u16 @12, next u16 @14
            let words = entry.assumingMemoryBound(to: UInt32.self)
            words[0] = buffer.physical
            words[1] = 0
            words[2] = buffer.length
            let flags = (index + 1 < chain ? Self.descriptorNext : 0) | (buffer.deviceWrites ? Self.descriptorWrite : 0)
            words[3] = UInt32(flags) | UInt32(truncatingIfNeeded: index + 1 < chain ? index + 1 : 0) &<< 16
        }
        // avail.ring[idx % size] = head 0, then idx + 1 (flags 0: interrupts wanted).
        let available = pages + Self.layout.availableOffset
        let slot = Int(nextAvailable) % Self.size
        let ringWord = available + 4 + (slot & ~1) * 2
        let old = g_read32(UInt(bitPattern: ringWord))
        g_mmio_write32(UInt(bitPattern: ringWord), slot & 1 == 0 ? old & 0xFFFF_0000 : old & 0xFFFF)
        nextAvailable &+= 1
        g_dsb()  // the descriptors and ring entry before the index that publishes them
        g_mmio_write32(UInt(bitPattern: available), UInt32(nextAvailable) &<< 16)
        transport.write(.queueNotify, 0)

        let used = UInt(bitPattern: pages + Self.layout.usedOffset)
        let deadline = VirtualTimer.now &+ timeoutTicks
        while UInt16(truncatingIfNeeded: g_read32(used) &>> 16) == lastUsed {
            if VirtualTimer.now > deadline { return .timedOut }
        }
        g_dmb()  // the index before the element it covers
        let element = used + 4 + UInt(Int(lastUsed) % Self.size) * UInt(VirtqueueLayout.usedElementSize)
        let id = g_read32(element)
        let written = g_read32(element + 4)
        lastUsed &+= 1
        g_dsb()  // what the device wrote into the buffers is visible before the caller reads them
        return id == 0 ? .used(written: written) : .corrupt
    }
}
