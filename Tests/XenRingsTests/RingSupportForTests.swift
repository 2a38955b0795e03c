import XenRings

/// A page-aligned block of shared memory for one test, freed when dropped.
final class TestPage {
    let bytes: UnsafeMutableRawPointer
    let size: Int

    init(size: Int = 4096, fill: UInt8 = 0) {
        self.size = size
        bytes = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        bytes.initializeMemory(as: UInt8.self, repeating: fill, count: size)
    }

    deinit { bytes.deallocate() }

    var memory: SharedMemory { SharedMemory(bytes) }

    subscript(offset: Int) -> UInt8 {
        get { bytes.load(fromByteOffset: offset, as: UInt8.self) }
        set { bytes.storeBytes(of: newValue, toByteOffset: offset, as: UInt8.self) }
    }

    func le32(_ offset: Int) -> UInt32 { bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    func setLE32(_ value: UInt32, _ offset: Int) { bytes.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }
}

/// A small entry for generic-ring tests: a sequence number and a tag,
/// 16 bytes with 8-byte alignment (like a C struct { uint64_t; uint32_t; }).
struct TestEntry: RingEntry, Equatable {
    static let wireSize = 16
    static let wireAlignment = 8
    var sequence: UInt64
    var tag: UInt32

    init(sequence: UInt64, tag: UInt32 = 0) {
        self.sequence = sequence
        self.tag = tag
    }

    init(copyingFrom slot: SharedMemory) {
        sequence = slot.load64(0)
        tag = slot.load32(8)
    }

    func write(to slot: SharedMemory) {
        slot.store64(sequence, 0)
        slot.store32(tag, 8)
    }
}

typealias TestFront = FrontRing<TestEntry, TestEntry, NoRingBarriers>
typealias TestBack = BackRing<TestEntry, TestEntry, NoRingBarriers>

/// A page holding an 8-slot ring of TestEntry (64-byte header + 8 x 16).
let eightSlotPageSize = 64 + 8 * 16

