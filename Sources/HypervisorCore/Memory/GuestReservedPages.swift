// The pages at the end of every VM's RAM that Apus writes at boot and guests
// find there: no image, stack or entry point may use them (the configuration
// check refuses it). Counted from the end of the VM's memory:
//   last page      bootargs (r1 at entry; the hypervisor appends to it)
//   2nd from last  the VM's grant table (GrantLayout)
//   3rd from last  its console ring, when a console backend serves it
//   4th from last  unused (block front ends grant a ring page of their own;
//                  kept so the xenstore ring stays where Linux's layout has it)
//   5th from last  its xenstore ring, when a driver domain serves xenstore
// All five are reserved in every VM, so the rule does not depend on roles.
// (A Linux VM keeps more: LinuxGuestLayout, whose layout puts these same
// pages at the same places.)

public enum GuestReservedPages {
    public static let count: UInt64 = 5
    public static let bytes: UInt64 = count * PageSize.small

    public static let bootargsPage: UInt64 = 1
    public static let grantTablePage: UInt64 = 2
    public static let consoleRingPage: UInt64 = 3
    public static let xenstoreRingPage: UInt64 = 5

    /// Guest-physical address of the page `pagesFromEnd` pages before the end of `memory`.
    public static func page(_ pagesFromEnd: UInt64, of memory: GuestPhysicalRange) -> GuestPhysicalAddress {
        GuestPhysicalAddress(memory.end &- pagesFromEnd &* PageSize.small)
    }

    /// The reserved pages of `memory` (empty when memory is too small to hold them;
    /// the configuration check refuses such memory).
    public static func range(in memory: GuestPhysicalRange) -> GuestPhysicalRange {
        let size = min(bytes, memory.size)
        return GuestPhysicalRange(base: GuestPhysicalAddress(memory.end &- size), size: size)
    }

    /// Bytes at the start of `memory` an image may use (everything below the reserved pages).
    public static func usableBytes(of memory: GuestPhysicalRange) -> UInt64 {
        memory.size > bytes ? memory.size - bytes : 0
    }
}
