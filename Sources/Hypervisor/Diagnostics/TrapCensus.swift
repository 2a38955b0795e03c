#if APUS_MEASURE
import HVRegs
import HypervisorCore

/// Measuring builds only (make MEASURE=1): every trap and interrupt from a
/// guest counted by kind and VM, the instructions HYP retired while handling
/// each kind, and the instructions retired in HYP and in the guests overall,
/// printed as `CENSUS` lines at the end of the run (docs/BENCHMARKS.md,
/// "Linux's view"). The trap path knows only `enter`/`leave` in apus_trap;
/// other builds compile none of this.
///
/// HYP's instructions come from a PMU event counter of its own (INST_RETIRED
/// filtered to Hyp mode), the one below GuestInstructions' (PL1 and PL0), both
/// hidden from guests by HDCR.HPMN. Both are 32 bits and are widened at every
/// trap, which comes far more often than once per 2^32 instructions.
enum TrapCensus {
    nonisolated(unsafe) static var counts = InlineArray<184, UInt32>(repeating: 0) // Machines.capacity x TrapKind.count
    nonisolated(unsafe) static var hypInstructionsByKind = InlineArray<23, UInt64>(repeating: 0)
    nonisolated(unsafe) static var hypCounter: UInt32? = nil
    nonisolated(unsafe) static var hypInstructions: UInt64 = 0
    nonisolated(unsafe) static var guestInstructions: UInt64 = 0
    nonisolated(unsafe) static var lastHyp: UInt32 = 0
    nonisolated(unsafe) static var lastGuest: UInt32 = 0
    /// HYP's and the guests' instructions before the first trap: creating the
    /// VMs and loading their images, then the first guest's first stretch.
    nonisolated(unsafe) static var beforeFirstTrap: (hyp: UInt64, guest: UInt64)? = nil
    /// When counting began (virtual time: 1 ns per instruction under -icount shift=0, plus idle time).
    nonisolated(unsafe) static var startedAt = Instant.zero

    /// INST_RETIRED, counted in Hyp mode only: P and U set, NSK and NSU
    /// clear (Non-secure PL1 and PL0 are counted only when NSK and NSU equal
    /// P and U), NSH set (Hyp).
    static let hypOnlyInstructions: UInt32 = 0x08 | 1 << 31 | 1 << 30 | 1 << 27

    /// After GuestInstructions.start: takes the counter below its counter.
    static func start() {
        guard let guest = GuestInstructions.counter, guest > 0 else { return }
        let index = guest - 1
        hv_write_hdcr(hv_read_hdcr() & ~0x1F | index)  // HPMN = index: guests see neither
        hv_write_pmselr(index)
        hv_write_pmxevtyper(hypOnlyInstructions)
        hv_write_pmcntenset(1 &<< index)
        hv_isb()
        hypCounter = index
        startedAt = Clock.now
        lastHyp = readHyp()
        lastGuest = UInt32(truncatingIfNeeded: GuestInstructions.count ?? 0)
    }

    /// At apus_trap's entry: what this trap is; `leave` gets it back.
    static func enter(_ frame: UnsafeMutablePointer<apus_trap_frame>) -> (kind: TrapKind, hyp: UInt32)? {
        guard let vm = Machines.current else { return nil }
        let kind: TrapKind
        if Int32(frame.pointee.kind) == TRAP_KIND_HYP_TRAP {
            let hsr = frame.pointee.hsr
            var region: MMIORegionKind? = nil
            if ExceptionClass(syndrome: hsr) == .dataAbortFromGuest {
                let access = DataAbortSyndrome(syndrome: hsr, hpfar: hv_read_hpfar(), hdfar: hv_read_hdfar())
                region = Machines.table[vm].mmioRegions.region(containing: access.address)?.kind
            }
            kind = TrapKind.trap(syndrome: hsr, hypercall: frame.pointee.r.12, region: region)
        } else if Int32(frame.pointee.kind) == TRAP_KIND_IRQ {
            // GICC_HPPIR: the interrupt about to be acknowledged, without acknowledging it.
            let intid = hv_mmio_read32(GIC.cpuInterface + 0x018) & 0x3FF
            kind = TrapKind.interrupt(intid, hypTimer: GIC.hypTimerInterrupt, maintenance: GIC.maintenanceInterrupt,
                                      virtualTimer: GIC.virtualTimerInterrupt)
        } else {
            return nil
        }
        counts[vm * TrapKind.count + kind.rawValue] &+= 1
        widen()
        if beforeFirstTrap == nil { beforeFirstTrap = (hypInstructions, guestInstructions) }
        return (kind, readHyp())
    }

    /// At apus_trap's return.
    static func leave(_ entered: (kind: TrapKind, hyp: UInt32)?) {
        guard let entered, hypCounter != nil else { return }
        hypInstructionsByKind[entered.kind.rawValue] &+= UInt64(widening: readHyp() &- entered.hyp)
    }

    /// `CENSUS trap <vm> <kind> <count>` for every kind a VM had, `CENSUS hyp
    /// <kind> <instructions>`, and `CENSUS instructions hyp=… guest=…
    /// hyp-before-first-trap=… guest-before-first-trap=…` (totals include those).
    static func write(to out: inout Console) {
        widen()
        for vm in 0..<Machines.count {
            for k in 0..<TrapKind.count where counts[vm * TrapKind.count + k] != 0 {
                out.write("CENSUS trap ")
                Machines.table[vm].writeName(to: &out)
                out.write(" ")
                out.write(TrapKind(rawValue: k)!.name)
                out.write(" ")
                out.write(decimal: counts[vm * TrapKind.count + k])
                out.newline()
            }
        }
        guard hypCounter != nil else {
            out.write("CENSUS instructions unavailable (no PMU event counters)")
            out.newline()
            return
        }
        for k in 0..<TrapKind.count where hypInstructionsByKind[k] != 0 {
            out.write("CENSUS hyp ")
            out.write(TrapKind(rawValue: k)!.name)
            out.write(" ")
            out.write(decimal: hypInstructionsByKind[k])
            out.newline()
        }
        out.write("CENSUS instructions hyp=")
        out.write(decimal: hypInstructions)
        out.write(" guest=")
        out.write(decimal: guestInstructions)
        out.write(" hyp-before-first-trap=")
        out.write(decimal: beforeFirstTrap?.hyp ?? hypInstructions)
        out.write(" guest-before-first-trap=")
        out.write(decimal: beforeFirstTrap?.guest ?? guestInstructions)
        out.write(" elapsed-ns=")
        out.write(decimal: Clock.now.since(startedAt).nanoseconds)
        out.newline()
    }

    /// Adds what both counters retired since the last look.
    private static func widen() {
        guard hypCounter != nil else { return }
        let hyp = readHyp()
        hypInstructions &+= UInt64(widening: hyp &- lastHyp)
        lastHyp = hyp
        if let count = GuestInstructions.count {
            let guest = UInt32(truncatingIfNeeded: count)
            guestInstructions &+= UInt64(widening: guest &- lastGuest)
            lastGuest = guest
        }
    }

    private static func readHyp() -> UInt32 {
        guard let hypCounter else { return 0 }
        let selected = hv_read_pmselr()
        hv_write_pmselr(hypCounter)
        hv_isb()
        let value = hv_read_pmxevcntr()
        hv_write_pmselr(selected)
        return value
    }
}
#endif
