import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore

/// The hostile guest (bootargs `duration=ms [sweep-end=0x...]
/// [crash=none|undef|vector|block|semihosting-exit]
/// [attack=isolation|blkif|abandon|console|xenstore victim=<d> end=oversize|ring-index]`): tries to reach memory, devices, interrupts
/// and hypervisor state it was not given and reports each attempt as
/// `CHECK <name> passed|FAILED` (passed = the attempt was refused), keeps
/// running for `duration`, then shuts down or crashes on purpose
/// (docs/GUESTS.md).
@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    let arguments: HostileGuestArguments
    do throws(GuestArgumentError) {
        arguments = try HostileGuestArguments(BootArguments(guestPointer: bootargs))
    } catch {
        out.write("ERROR ")
        error.describe(to: &out)
        out.newline()
        check("hostile-bootargs", false)
        Hypervisor.shutdown(.crash)
    }
    // The bootargs sit in the last page of guest memory: its end is the
    // first address this VM does not own.
    let memoryEnd = (UInt32(UInt(bitPattern: bootargs)) | 0xFFF) &+ 1
    out.write("HOSTILE vm=")
    out.write(decimal: vm)
    out.write(" memory=")
    out.write(hex: guestRAMBase)
    out.write("-")
    out.write(hex: memoryEnd &- 1)
    out.newline()

    // Control: the fault detection must tell a refused access from an
    // allowed one, so reading its own memory must not fault.
    check("hostile-control-own-memory", expectFault { _ = g_mmio_read32(UInt(guestRAMBase)) } == nil)

    idle(for: arguments.startDelay)
    var attempts = Attempts()
    switch arguments.attack {
    case .isolation:
        attackMemory(&attempts, memoryEnd: memoryEnd, sweepEnd: arguments.sweepEnd)
        attackWindows(&attempts, own: arguments.ownWindow, foreign: arguments.foreignWindow,
                      physicalBase: arguments.physicalBase)
        attackInterruptController(&attempts)
        attackHypercalls(&attempts, memoryEnd: memoryEnd)
        attackPrivilegedInstructions(&attempts)
        attackProgressCounter(&attempts)
        attempts.summarize()
    case .blkif:
        attackBlockBackend(&attempts, vm: vm, memoryEnd: memoryEnd)
        attempts.summarize(check: "hostile-blkif")
    case .abandon:
        abandonRequests()
    case .console:
        ConsoleAttacks.run(hides: 6)
    case .xenstore(let victim, let end):
        attackXenstore(&attempts, own: vm, victim: victim, end: end)
    }

    keepRunning(for: arguments.duration)
    switch arguments.crash {
    case .none: Hypervisor.shutdown(.powerOff)
    case .undefinedInstruction: crashWithUndefinedInstruction()
    case .brokenVectors: crashInsideExceptionEntry(vectors: memoryEnd)
    case .blockForever: blockForever()
    case .semihostingExit: ConsoleAttacks.semihostingExit()
    }
}

/// Where every VM's RAM starts, guest-physically.
let guestRAMBase = UInt32(truncatingIfNeeded: GuestMemoryMap.ramBase.value)

/// Counts the attempts and the ones that were not refused.
struct Attempts {
    var total = 0
    var failed = 0

    mutating func record(_ name: StaticString, refused: Bool) {
        total += 1
        if !refused { failed += 1 }
        check(name, refused)
    }

    /// `HOSTILE attempts=<n> not_refused=<m>` and the overall check.
    func summarize(check name: StaticString = "hostile-isolation") {
        var out = GuestConsole()
        out.write("HOSTILE attempts=")
        out.write(decimal: UInt64(clampingNonNegative: total))
        out.write(" not_refused=")
        out.write(decimal: UInt64(clampingNonNegative: failed))
        out.newline()
        check(name, failed == 0)
    }
}
