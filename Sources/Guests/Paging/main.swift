import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore

// A guest with its own stage-1 MMU: it builds a short-descriptor section
// table (an identity map of its RAM, the GIC, and an alias of its first
// megabyte at 0x40000000), turns the MMU and caches on, and checks that the
// translation and its own data survive being descheduled many times (the
// hypervisor switches SCTLR, TTBR0/1, TTBCR, DACR and the rest per VCPU).
// bootargs: duration=<ms>

/// 16 KiB-aligned level-1 table: 4096 section entries of 1 MiB.
nonisolated(unsafe) var pageTableStorage = InlineArray<8192, UInt32>(repeating: 0)

private let sectionNormal: UInt32 = 0b10 | (1 << 2) | (1 << 3) | (0b11 << 10)   // C, B, AP=full
private let sectionDevice: UInt32 = 0b10 | (1 << 2) | (0b11 << 10)              // shareable device
private let aliasBase: UInt32 = 0x4000_0000
/// Where this VM's RAM starts, guest-physically.
private let ramBase = UInt32(truncatingIfNeeded: GuestMemoryMap.ramBase.value)

@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    let arguments = BootArguments(guestPointer: bootargs)
    guard let milliseconds = arguments.integer("duration"), milliseconds > 0, milliseconds < 100_000 else {
        out.write("ERROR bootargs: duration: expected 1..99999 ms")
        out.newline()
        check("paging-bootargs", false)
        Hypervisor.shutdown(.crash)
    }
    let table = withUnsafeMutablePointer(to: &pageTableStorage) { pointer in
        // The table must be 16 KiB aligned; the storage is 32 KiB, so a 16 KiB window fits.
        let address = (UInt(bitPattern: pointer) + 0x3FFF) & ~UInt(0x3FFF)
        return UnsafeMutablePointer<UInt32>(bitPattern: address)!
    }
    for megabyte in 0..<4096 { table[megabyte] = 0 }
    let ramSection = Int(ramBase >> 20)
    for megabyte in ramSection..<ramSection + 4 { table[megabyte] = UInt32(megabyte) << 20 | sectionNormal }  // own RAM
    let gicSection = UInt32(truncatingIfNeeded: GuestMemoryMap.gic.base.value) & ~0xF_FFFF
    table[Int(gicSection >> 20)] = gicSection | sectionDevice                            // GIC
    table[Int(aliasBase >> 20)] = ramBase | sectionNormal                                // alias of 1st MiB
    g_dsb()
    g_write_ttbcr(0)
    g_write_ttbr0(UInt32(UInt(bitPattern: table)) | 0b1001010)  // inner/outer WB, shareable walks
    g_write_dacr(0x5555_5555)                                 // every domain: client
    g_tlb_invalidate_all()
    g_write_sctlr(g_read_sctlr() | 1 | (1 << 2) | (1 << 12))   // M, C, I
    check("paging-mmu-on", g_read_sctlr() & 1 == 1)

    // A word in RAM, read through the identity map and through the alias.
    let marker = UnsafeMutablePointer<UInt32>.allocateStatic()
    marker.pointee = 0xA905_0001 ^ vm
    let aliasAddress = aliasBase + (UInt32(UInt(bitPattern: marker)) - ramBase)
    check("paging-alias", aliasAddress < aliasBase + 0x10_0000 && g_read32(UInt(aliasAddress)) == marker.pointee)

    // Run while the hypervisor switches to other VMs; the MMU state must survive.
    let start = VirtualTimer.now
    let end = start + VirtualTimer.ticks(microseconds: milliseconds * 1000)
    var rounds: UInt32 = 0
    var intact = true
    while VirtualTimer.now < end {
        CPUWork.spin(iterations: 5_000)
        rounds &+= 1
        marker.pointee = marker.pointee &+ 1
        intact = intact && g_read_sctlr() & 1 == 1 && g_read32(UInt(aliasAddress)) == marker.pointee
    }
    out.write("PAGING rounds=")
    out.write(decimal: rounds)
    out.newline()
    check("paging-survives-switches", intact && rounds > 0)
    Hypervisor.shutdown(.powerOff)
}

extension UnsafeMutablePointer where Pointee == UInt32 {
    /// One word of static storage (the guest has no heap).
    static func allocateStatic() -> UnsafeMutablePointer<UInt32> {
        withUnsafeMutablePointer(to: &markerStorage) { $0 }
    }
}

nonisolated(unsafe) var markerStorage: UInt32 = 0
