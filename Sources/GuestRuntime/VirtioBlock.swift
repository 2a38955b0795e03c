import GuestKit
import GuestSupport
import HypervisorCore

/// The result of one block request. Requests never trap: whatever goes
/// wrong comes back as one of these.
public enum VirtioBlockStatus: Equatable {
    case ok
    /// The device reported VIRTIO_BLK_S_IOERR.
    case ioError
    /// The device reported VIRTIO_BLK_S_UNSUPP, or the driver did not
    /// negotiate the feature (flush without VIRTIO_BLK_F_FLUSH).
    case unsupported
    /// The device answered badly (unknown status byte, a descriptor it was
    /// not given, no answer in time); the driver stops using it.
    case deviceError
    /// The buffer is not wholly in guest RAM or is shorter than `count` sectors.
    case badBuffer
    /// More than `VirtioBlock.maximumTransfer` bytes, or no sectors.
    case badLength
    /// Sectors past the end of the disk.
    case outOfRange

    public var name: StaticString {
        switch self {
        case .ok: "ok"
        case .ioError: "io-error"
        case .unsupported: "unsupported"
        case .deviceError: "device-error"
        case .badBuffer: "bad-buffer"
        case .badLength: "bad-length"
        case .outOfRange: "out-of-range"
        }
    }
}

/// A virtio-blk device on a legacy virtio-mmio transport, one request at a
/// time, completion polled (docs/GUESTS.md, "Disk guest"). A request is a
/// three-descriptor chain: header {u32 type, u32 reserved, u64 sector}, the
/// data, and a status byte the device writes.
public struct VirtioBlock {
    public static let deviceID: UInt32 = 2
    public static let sectorSize = 512
    /// 11 pages, the most a blkif request carries (11 segments).
    public static let maximumTransfer = 11 * 4096
    /// VIRTIO_BLK_F_FLUSH: the device takes VIRTIO_BLK_T_FLUSH.
    public static let featureFlush: UInt32 = 1 &<< 9
    /// A request the device has not answered after 1 s of counter time is given up.
    public static var timeoutTicks: UInt64 { UInt64(widening: VirtualTimer.frequency) }

    static let typeIn: UInt32 = 0
    static let typeOut: UInt32 = 1
    static let typeFlush: UInt32 = 4
    static let statusOK: UInt8 = 0
    static let statusIOError: UInt8 = 1
    static let statusUnsupported: UInt8 = 2

    /// Interrupts taken by `attachInterrupt`'s handler, and the transport it acknowledges.
    nonisolated(unsafe) public private(set) static var interrupts: UInt32 = 0
    nonisolated(unsafe) static var interruptTransport: UInt = 0

    public let transport: VirtioMMIO
    public let window: GuestDMAWindow
    /// Disk size in 512-byte sectors (configuration offset 0).
    public let capacity: UInt64
    /// Feature word 0 as offered by the device, and as accepted.
    public let offeredFeatures: UInt32
    public let features: UInt32
    /// Requests completed by the device (whatever their status).
    public private(set) var requests: UInt32 = 0
    var queue: Virtqueue
    var broken = false

    /// Brings up the device at `base`: handshake, queue 0, DRIVER_OK. On any
    /// error the device is marked FAILED (when there is one).
    public init(base: UInt, window: GuestDMAWindow) throws(VirtioError) {
        let transport = VirtioMMIO(base: base)
        var offered: UInt32 = 0
        do {
            features = try transport.begin(deviceID: Self.deviceID) { device in
                offered = device
                return device & Self.featureFlush
            }
            queue = try Virtqueue(transport: transport, window: window)
            try transport.ready()
        } catch {
            if case .noDevice = error {} else { transport.fail() }
            throw error
        }
        offeredFeatures = offered
        self.transport = transport
        self.window = window
        capacity = transport.config64(0)
        Self.interruptTransport = base
    }

    /// Routes `intid` (the transport's SPI) to a handler that acknowledges
    /// the device's InterruptStatus and counts (`interrupts`). Completion is
    /// still polled; this exercises the passthrough interrupt path. The
    /// caller enables the GIC and unmasks IRQs.
    public static func attachInterrupt(_ intid: UInt32) {
        GIC.attach(intid, virtioBlockInterrupt)
    }

    static func interruptTaken() {
        interrupts &+= 1
        if interruptTransport != 0 { VirtioMMIO(base: interruptTransport).acknowledgeInterrupt() }
    }

    /// Reads `count` sectors from `sector` into `buffer`.
    public mutating func read(sector: UInt64, count: Int, into buffer: UnsafeMutableRawBufferPointer) -> VirtioBlockStatus {
        transfer(Self.typeIn, sector: sector, count: count, address: buffer.baseAddress, length: buffer.count)
    }

    /// Writes `count` sectors from `buffer` at `sector`.
    public mutating func write(sector: UInt64, count: Int, from buffer: UnsafeRawBufferPointer) -> VirtioBlockStatus {
        transfer(Self.typeOut, sector: sector, count: count, address: buffer.baseAddress, length: buffer.count)
    }

    /// Makes completed writes durable (VIRTIO_BLK_T_FLUSH).
    public mutating func flush() -> VirtioBlockStatus {
        guard features & Self.featureFlush != 0 else { return .unsupported }
        return submit(Self.typeFlush, sector: 0, data: nil)
    }

    private mutating func transfer(_ type: UInt32, sector: UInt64, count: Int, address: UnsafeRawPointer?,
                                   length: Int) -> VirtioBlockStatus {
        guard count > 0, count <= Self.maximumTransfer / Self.sectorSize else { return .badLength }
        let bytes = count * Self.sectorSize
        guard let address, length >= bytes else { return .badBuffer }
        guard sector < capacity, UInt64(clampingNonNegative: count) <= capacity - sector else { return .outOfRange }
        let guestAddress = UInt32(truncatingIfNeeded: UInt(bitPattern: address))
        guard let physical = window.physical(of: guestAddress, length: UInt32(truncatingIfNeeded: bytes)) else {
            return .badBuffer
        }
        return submit(type, sector: sector,
                      data: VirtqueueBuffer(physical: physical, length: UInt32(truncatingIfNeeded: bytes),
                                            deviceWrites: type == Self.typeIn))
    }

    private mutating func submit(_ type: UInt32, sector: UInt64, data: VirtqueueBuffer?) -> VirtioBlockStatus {
        guard !broken else { return .deviceError }
        // Scratch: the 16-byte header at +0, the status byte at +16.
        let (scratch, scratchPhysical) = queue.scratch
        let header = scratch.assumingMemoryBound(to: UInt32.self)
        header[0] = type
        header[1] = 0
        header[2] = UInt32(truncatingIfNeeded: sector)
        header[3] = UInt32(truncatingIfNeeded: sector &>> 32)
        header[4] = 0xFF  // status: the device overwrites it
        var chain = InlineArray<3, VirtqueueBuffer>(repeating: VirtqueueBuffer(physical: scratchPhysical, length: 16,
                                                                                deviceWrites: false))
        var count = 1
        if let data {
            chain[1] = data
            count = 2
        }
        chain[count] = VirtqueueBuffer(physical: scratchPhysical &+ 16, length: 1, deviceWrites: true)
        count += 1
        switch queue.run(chain, count: count, timeoutTicks: Self.timeoutTicks) {
        case .used:
            requests &+= 1
        case .timedOut, .corrupt:
            broken = true
            transport.fail()
            return .deviceError
        }
        switch g_read8(UInt(bitPattern: scratch + 16)) {
        case Self.statusOK: return .ok
        case Self.statusIOError: return .ioError
        case Self.statusUnsupported: return .unsupported
        default: return .deviceError
        }
    }
}

/// The transport's SPI: acknowledge and count.
func virtioBlockInterrupt(_ intid: UInt32) {
    VirtioBlock.interruptTaken()
}
