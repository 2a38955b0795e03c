import GuestRuntime
import GuestSupport
import HypervisorCore

/// The SMP guest (docs/GUESTS.md, docs/SMP.md): one VM with two VCPUs, each on
/// its own physical CPU. VCPU 0 checks PSCI's answers for a VCPU the VM lacks,
/// starts VCPU 1 with CPU_ON, and plays SGI ping-pong with it through
/// GICD_SGIR: SGI 1 to VCPU 1 (target list), SGI 2 back to VCPU 0; then one
/// SGI 1 with the "every other VCPU" filter and one SGI 4 with the "myself"
/// filter; SGI 3 asks VCPU 1 to power itself off (CPU_OFF), which AFFINITY_INFO
/// then reports. Each side counts what it received; the hypervisor's end-of-run
/// report counts the same from outside (SMPTests). No bootargs.
/// Each round is also timed, send to handler, on the virtual counter both VCPUs
/// share: `BENCH guest virtual-ipi n= min= mean= max=` in ns (make bench).
let rounds: UInt32 = 100

/// VCPU 1's stacks (Boot/Guest/start.S, guest_secondary_entry): 12 KiB.
nonisolated(unsafe) var secondaryStacks = InlineArray<3072, UInt32>(repeating: 0)
/// Written by one VCPU, read by the other: every access goes through `Shared`.
nonisolated(unsafe) var pings: UInt32 = 0          // SGI 1 on VCPU 1
nonisolated(unsafe) var pongs: UInt32 = 0          // SGI 2 on VCPU 0
nonisolated(unsafe) var selfSGIs: UInt32 = 0       // SGI 4 on VCPU 0
nonisolated(unsafe) var secondaryReady: UInt32 = 0 // VCPU 1 set up its GIC
nonisolated(unsafe) var secondaryStop: UInt32 = 0  // SGI 3 on VCPU 1
nonisolated(unsafe) var secondaryMPIDR: UInt32 = 0
/// CNTVCT when VCPU 1's SGI 1 handler began, low and high words.
nonisolated(unsafe) var arrivalLow: UInt32 = 0
nonisolated(unsafe) var arrivalHigh: UInt32 = 0

/// Send-to-handler times of the ping SGIs, in counter ticks.
struct IPITimes {
    var count: UInt32 = 0
    var minimum = UInt64.max, maximum: UInt64 = 0, total: UInt64 = 0

    mutating func add(_ ticks: UInt64) {
        count += 1
        minimum = min(minimum, ticks)
        maximum = max(maximum, ticks)
        total &+= ticks
    }

    /// `BENCH guest virtual-ipi n= min= mean= max=` in ns (the counter runs at CNTFRQ).
    func write(to out: inout GuestConsole) {
        guard count > 0 else { return }
        let frequency = UInt64(widening: g_read_cntfrq())
        func ns(_ ticks: UInt64) -> UInt64 { ticks &* 1_000_000_000 / frequency }
        out.write("BENCH guest virtual-ipi n=")
        out.write(decimal: count)
        out.write(" min=")
        out.write(decimal: ns(minimum))
        out.write(" mean=")
        out.write(decimal: ns(total / UInt64(widening: count)))
        out.write(" max=")
        out.write(decimal: ns(maximum))
        out.newline()
    }
}

/// Volatile access to a word the other VCPU changes.
enum Shared {
    static func read(_ word: UnsafeMutablePointer<UInt32>) -> UInt32 { g_mmio_read32(UInt(bitPattern: word)) }
    static func write(_ word: UnsafeMutablePointer<UInt32>, _ value: UInt32) {
        g_mmio_write32(UInt(bitPattern: word), value)
        g_dsb()
    }
}

enum PSCICall {
    static func cpuOn(target: UInt32, entry: UInt32, context: UInt32) -> Int32 {
        Int32(bitPattern: guest_smc(PSCIFunction.cpuOn.rawValue, target, entry, context))
    }
    static func affinityInfo(target: UInt32) -> Int32 {
        Int32(bitPattern: guest_smc(PSCIFunction.affinityInfo.rawValue, target, 0, 0))
    }
    static func cpuOff() { _ = guest_smc(PSCIFunction.cpuOff.rawValue, 0, 0, 0) }
}

/// GICD_SGIR: `filter` 0 (target list), 1 (all but me), 2 (me only).
func sendSGI(_ sgi: UInt32, filter: UInt32, targets: UInt32 = 0) {
    g_mmio_write32(UInt(truncatingIfNeeded: GuestMemoryMap.gicDistributor.base.value) + 0xF00, filter << 24 | targets << 16 | sgi)
}

@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    GIC.enable()
    GIC.attach(2) { _ in Shared.write(&pongs, Shared.read(&pongs) &+ 1) }
    GIC.attach(4) { _ in Shared.write(&selfSGIs, Shared.read(&selfSGIs) &+ 1) }

    let absent = PSCICall.cpuOn(target: 2, entry: g_secondary_entry_address(), context: 0)
    check("smp-cpu-on-absent", absent == PSCIResult.invalidParameters.rawValue)
    let stacks = withUnsafeMutablePointer(to: &secondaryStacks) { UInt32(UInt(bitPattern: $0)) }
    let started = PSCICall.cpuOn(target: 1, entry: g_secondary_entry_address(), context: stacks)
    let again = PSCICall.cpuOn(target: 1, entry: g_secondary_entry_address(), context: stacks)
    check("smp-cpu-on", started == 0
          && (again == PSCIResult.alreadyOn.rawValue || again == PSCIResult.onPending.rawValue))
    guard started == 0, wait(until: { Shared.read(&secondaryReady) == 1 }) else {
        out.write("SMP VCPU 1 did not start: CPU_ON ")
        out.write(signed: Int64(widening: Int(started)))
        out.newline()
        Hypervisor.shutdown(.crash)
    }

    // Ping-pong: each SGI 1 to VCPU 1 comes back as SGI 2.
    var inTime = true
    var round: UInt32 = 0
    var times = IPITimes()
    while inTime && round < rounds {
        round += 1
        let sent = g_read_cntvct()
        sendSGI(1, filter: 0, targets: 0b10)
        let expected = round
        inTime = wait(sleeping: true, until: { Shared.read(&pongs) == expected })
        let arrival = UInt64(widening: Shared.read(&arrivalHigh)) &<< 32 | UInt64(widening: Shared.read(&arrivalLow))
        if inTime, arrival >= sent { times.add(arrival - sent) }
    }
    sendSGI(1, filter: 1)  // every VCPU but this one: VCPU 1
    inTime = inTime && wait(sleeping: true, until: { Shared.read(&pongs) == rounds + 1 })
    sendSGI(4, filter: 2)  // this VCPU only
    inTime = inTime && wait(sleeping: true, until: { Shared.read(&selfSGIs) == 1 })
    let on = PSCICall.affinityInfo(target: 1)
    let absentInfo = PSCICall.affinityInfo(target: 2)

    sendSGI(3, filter: 0, targets: 0b10)  // VCPU 1: power yourself off
    let off = wait(until: { PSCICall.affinityInfo(target: 1) == Int32(VCPUPowerState.off.rawValue) })

    out.write("SMP rounds ")
    out.write(decimal: rounds)
    out.write(" pings ")
    out.write(decimal: Shared.read(&pings))
    out.write(" pongs ")
    out.write(decimal: Shared.read(&pongs))
    out.write(" self ")
    out.write(decimal: Shared.read(&selfSGIs))
    out.write(" vcpu1-mpidr ")
    out.write(hex: Shared.read(&secondaryMPIDR))
    out.newline()
    times.write(to: &out)
    check("smp-ping-pong", inTime && Shared.read(&pings) == rounds + 1 && Shared.read(&pongs) == rounds + 1
          && Shared.read(&selfSGIs) == 1)
    check("smp-vcpu1-mpidr", Shared.read(&secondaryMPIDR) == 0x8000_0001 && g_read_mpidr() == 0x8000_0000)
    check("smp-affinity-info", on == 0 && absentInfo == PSCIResult.invalidParameters.rawValue && off)
    Hypervisor.shutdown(.powerOff)
}

/// Waits until `condition` holds; false after a bound no correct run reaches.
/// `sleeping`: in WFI (the hypervisor blocks this VCPU until an interrupt is
/// pending for it: the other VCPU's SGI wakes it); otherwise polling, with a
/// yield each time (for a state no interrupt announces).
func wait(sleeping: Bool = false, until condition: () -> Bool) -> Bool {
    var tries = 0
    while !condition() {
        tries += 1
        if tries > 100_000 { return false }
        if sleeping {
            GuestClock.waitForInterrupt()
        } else {
            g_enable_irq()
            g_disable_irq()
            Hypervisor.yield()
        }
    }
    return true
}

/// VCPU 1, from guest_secondary_entry: its own GIC CPU interface and SGI
/// enables (banked per VCPU), then it answers SGIs until told to stop.
@c(guest_secondary_main)
func secondaryMain(_ stacks: UInt32) {
    Shared.write(&secondaryMPIDR, g_read_mpidr())
    GIC.enableCPUInterface()
    GIC.attach(1) { _ in
        let now = g_read_cntvct()
        Shared.write(&arrivalLow, UInt32(truncatingIfNeeded: now))
        Shared.write(&arrivalHigh, UInt32(truncatingIfNeeded: now &>> 32))
        Shared.write(&pings, Shared.read(&pings) &+ 1)
        sendSGI(2, filter: 0, targets: 0b01)
    }
    GIC.attach(3) { _ in Shared.write(&secondaryStop, 1) }
    Shared.write(&secondaryReady, 1)
    while Shared.read(&secondaryStop) == 0 { GuestClock.waitForInterrupt() }
    PSCICall.cpuOff()
}
