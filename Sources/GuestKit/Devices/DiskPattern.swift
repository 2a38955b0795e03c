// The data the disk guest writes and later verifies: every 512-byte sector
// is a function of (seed, sector number) alone, so a verify run (a new boot)
// recomputes what a write run stored. Words are little-endian u32:
//   word 0: the sector number (low 32 bits)   word 1: the seed
//   word i >= 2: a hash of (seed, sector, i)
// so `od -A d -t x4` of the image shows at byte 512 * n the words n, seed.
import HypervisorCore

public enum DiskPattern {
    public static let sectorSize = 512
    public static let wordsPerSector = 128

    /// Word `index` (0..<128) of `sector`.
    public static func word(seed: UInt32, sector: UInt64, index: Int) -> UInt32 {
        let low = UInt32(truncatingIfNeeded: sector)
        if index == 0 { return low }
        if index == 1 { return seed }
        var x = seed &* 0x9E37_79B1 ^ low &* 0x85EB_CA77 ^ UInt32(truncatingIfNeeded: sector &>> 32) &* 0x27D4_EB2F
            ^ UInt32(truncatingIfNeeded: index) &* 0xC2B2_AE3D
        x ^= x &>> 16
        x = x &* 0x7FEB_352D
        x ^= x &>> 15
        x = x &* 0x846C_A68B
        x ^= x &>> 16
        return x
    }

    /// Fills whole sectors of `buffer` (its length rounded down to 512) with
    /// the pattern of `firstSector` onwards.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer, seed: UInt32, firstSector: UInt64) {
        let sectors = buffer.count / sectorSize
        for s in 0..<sectors {
            let sector = firstSector &+ UInt64(clampingNonNegative: s)
            for index in 0..<wordsPerSector {
                let value = word(seed: seed, sector: sector, index: index)
                let at = s * sectorSize + index * 4
                buffer[at] = UInt8(truncatingIfNeeded: value)
                buffer[at + 1] = UInt8(truncatingIfNeeded: value &>> 8)
                buffer[at + 2] = UInt8(truncatingIfNeeded: value &>> 16)
                buffer[at + 3] = UInt8(truncatingIfNeeded: value &>> 24)
            }
        }
    }

    /// The first sector of `buffer` (whole sectors, numbered from
    /// `firstSector`) that differs from the pattern, nil when all match.
    public static func firstMismatch(_ buffer: UnsafeRawBufferPointer, seed: UInt32, firstSector: UInt64) -> UInt64? {
        let sectors = buffer.count / sectorSize
        for s in 0..<sectors {
            let sector = firstSector &+ UInt64(clampingNonNegative: s)
            for index in 0..<wordsPerSector {
                let at = s * sectorSize + index * 4
                let found = UInt32(buffer[at]) | UInt32(buffer[at + 1]) &<< 8
                    | UInt32(buffer[at + 2]) &<< 16 | UInt32(buffer[at + 3]) &<< 24
                if found != word(seed: seed, sector: sector, index: index) { return sector }
            }
        }
        return nil
    }
}
