// Byte offsets of Xen's `struct shared_info` and `struct vcpu_info` as an ARM
// guest sees them (xen.h with arch-arm.h): xen_ulong_t is a 64-bit, 8-aligned
// word for 32- and 64-bit guests alike, XEN_LEGACY_MAX_VCPUS is 1, and
// arch_vcpu_info / arch_shared_info are empty.
//
//   vcpu_info (48 bytes)                  shared_info (1088 bytes)
//     0  uint8  evtchn_upcall_pending       0  vcpu_info vcpu_info[1]
//     1  uint8  pad0 (x86 PV: upcall_mask) 48  xen_ulong_t evtchn_pending[64]
//     8  xen_ulong_t evtchn_pending_sel   560  xen_ulong_t evtchn_mask[64]
//    16  vcpu_time_info time (32 bytes)  1072  uint32 wc_version, wc_sec, wc_nsec,
//                                              wc_sec_hi (1084); arch (empty)
//
// Port p's pending and mask bits are bit p%64 of word p/64; selector bit w
// covers pending word w. On little-endian ARM bit b of a 64-bit word lives in
// the 32-bit half at byte offset 4*(b/32), so port p is bit p%32 of the
// 32-bit word at byte 4*(p/32) of either array: the event code touches only
// 32-bit words, which ARMv7 loads, stores and LDREX/STREXes single-copy atomically.

public enum SharedInfoLayout {
    // struct vcpu_info
    public static let upcallPendingOffset = 0
    /// evtchn_upcall_mask on x86 PV; a pad byte on ARM, where Xen never reads it.
    public static let upcallMaskOffset = 1
    public static let pendingSelectorOffset = 8
    public static let vcpuTimeOffset = 16
    public static let vcpuInfoSize = 48

    // struct shared_info
    public static let vcpuInfoOffset = 0
    public static let pendingOffset = 48
    public static let maskOffset = 560
    public static let wallClockVersionOffset = 1072
    public static let wallClockSecondsOffset = 1076
    public static let wallClockNanosecondsOffset = 1080
    public static let wallClockSecondsHighOffset = 1084
    public static let size = 1088

    /// Bytes of each of evtchn_pending and evtchn_mask: 64 words of 8 bytes.
    public static let bitmapSize = 512

    /// Byte offset, within a bitmap, of the 32-bit word holding bit `bit`.
    @inline(__always)
    static func wordOffset(ofBit bit: UInt32) -> Int { Int(bit &>> 5) &* 4 }

    /// The bit within that 32-bit word.
    @inline(__always)
    static func mask(ofBit bit: UInt32) -> UInt32 { 1 &<< (bit & 31) }
}
