import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore

// A guest with its own stage-1 MMU: it builds a short-descriptor section
// table (an identity map of its RAM, the GIC, and an alias of its first
// megabyte at 0x40000000), turns the MMU and caches on, and checks that the
// translation and its own data survive being descheduled many times (the
// hypervisor switches SCTLR, TTBR0/1, TTBCR, DACR and the rest per VCPU).
// Hypercall buffers are virtual addresses translated through this table: one
// it leaves unmapped, or maps read-only where the hypervisor must write, gets
// -EFAULT and the guest runs on.
// bootargs: duration=<ms>

/// 16 KiB-aligned level-1 table: 4096 section entries of 1 MiB.
nonisolated(unsafe) var pageTableStorage = InlineArray<8192, UInt32>(repeating: 0)

private let sectionNormal: UInt32 = 0b10 | (1 << 2) | (1 << 3) | (0b11 << 10)   // C, B, AP=full
private let sectionDevice: UInt32 = 0b10 | (1 << 2) | (0b11 << 10)              // shareable device
private let sectionReadOnly: UInt32 = 0b10 | (1 << 2) | (1 << 3) | (1 << 15) | (0b01 << 10)  // APX: PL1 read-only
private let aliasBase: UInt32 = 0x4000_0000
/// A read-only alias of the first megabyte, and a megabyte nothing maps.
private let readOnlyAlias: UInt32 = 0x4800_0000
private let unmapped: UInt32 = 0x5000_0000
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
    table[Int(readOnlyAlias >> 20)] = ramBase | sectionReadOnly                          // read-only alias
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

    check("paging-efault", hypercallBuffersAreCheckedAgainstStage1(&out))

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

/// xen_version(XENVER_get_features) writes its answer into an 8-byte buffer:
/// unmapped or read-only it answers -EFAULT and writes nothing; writable, 0
/// and the answer. console_io from an unmapped buffer: -EFAULT.
func hypercallBuffersAreCheckedAgainstStage1(_ out: inout GuestConsole) -> Bool {
    let efault = -XenError.fault.rawValue
    let info = withUnsafeMutablePointer(to: &featureInfoStorage) { UnsafeMutableRawPointer($0) }
    let address = UInt32(UInt(bitPattern: info))
    let poison: UInt32 = 0xDEAD_BEEF
    info.storeBytes(of: 0, as: UInt32.self)
    info.storeBytes(of: poison, toByteOffset: 4, as: UInt32.self)
    let getFeatures = XenVersionCommand.getFeatures.rawValue
    let fromUnmapped = Hypervisor.call(.xenVersion, getFeatures, unmapped)
    let fromReadOnly = Hypervisor.call(.xenVersion, getFeatures, readOnlyAlias + (address - ramBase))
    let untouched = info.load(fromByteOffset: 4, as: UInt32.self) == poison
    let fromWritable = Hypervisor.call(.xenVersion, getFeatures, address)
    let answered = info.load(fromByteOffset: 4, as: UInt32.self) != poison
    let consoleUnmapped = Hypervisor.consoleWrite(address: unmapped, count: 8)
    out.write("EFAULT unmapped=")
    writeResult(fromUnmapped, to: &out)
    out.write(" read-only=")
    writeResult(fromReadOnly, to: &out)
    out.write(" untouched=")
    if untouched { out.write("yes") } else { out.write("no") }
    out.write(" writable=")
    writeResult(fromWritable, to: &out)
    out.write(" console-unmapped=")
    writeResult(consoleUnmapped, to: &out)
    out.newline()
    let refused = fromUnmapped == efault && fromReadOnly == efault && consoleUnmapped == efault
    return refused && untouched && fromWritable == 0 && answered
}

/// A hypercall's result: negative is minus Xen's errno.
func writeResult(_ value: Int32, to out: inout GuestConsole) {
    if value < 0 { out.write("-") }
    out.write(decimal: value.magnitude)
}

nonisolated(unsafe) var featureInfoStorage: (UInt32, UInt32) = (0, 0)

extension UnsafeMutablePointer where Pointee == UInt32 {
    /// One word of static storage (the guest has no heap).
    static func allocateStatic() -> UnsafeMutablePointer<UInt32> {
        withUnsafeMutablePointer(to: &markerStorage) { $0 }
    }
}

nonisolated(unsafe) var markerStorage: UInt32 = 0
