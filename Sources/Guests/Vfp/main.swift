import GuestRuntime
import GuestSupport
import HypervisorCore

/// The VFP guest (docs/GUESTS.md): its VFP/NEON state must survive every VCPU
/// switch. It enables the unit, loads FPSCR and d0-d31 with values of its own
/// (derived from its VM number, so two of them hold different values), then
/// yields the CPU `rounds` times, reading FPEXC, FPSCR and d0-d31 back after
/// each: `VFP rounds=<n> mismatches=<n> fpexc=0x.. fpscr=0x..` (the first
/// mismatching round's values, or the last round's) and `CHECK vfp-state`.
/// Configs/vfp.dts runs two beside a CPU hog, so every yield is a switch. No bootargs.
let rounds: UInt32 = 2000

@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    var values = VFPRegisters.Values(repeating: 0)
    // FPSCR: N Z C V, DN, FZ, a rounding mode of the VM's own, the cumulative exception flags.
    values[0] = 0xF300_009F | ((vm & 3) << 22)
    for index in 1..<values.count { values[index] = (vm &+ 1) &* 0x9E37_79B9 &+ UInt32(index) &* 0x0100_0193 }
    VFPRegisters.load(&values)

    var snapshot = VFPRegisters.Snapshot(repeating: 0)
    var mismatches: UInt32 = 0
    var firstMismatch: (fpexc: UInt32, fpscr: UInt32)? = nil
    var last = (fpexc: UInt32(0), fpscr: UInt32(0))
    for _ in 0..<rounds {
        Hypervisor.yield()
        CPUWork.spin(iterations: 500)  // a timer tick may also land in it
        VFPRegisters.store(into: &snapshot)
        last = (snapshot[0], snapshot[1])
        var same = snapshot[0] == VFPRegisters.enabled
        for index in 0..<values.count where snapshot[index + 1] != values[index] { same = false }
        guard !same else { continue }
        mismatches += 1
        if firstMismatch == nil { firstMismatch = last }
        VFPRegisters.load(&values)  // the next round starts from the VM's values again
    }
    let shown = firstMismatch ?? last
    out.write("VFP rounds=")
    out.write(decimal: rounds)
    out.write(" mismatches=")
    out.write(decimal: mismatches)
    out.write(" fpexc=")
    out.write(hex: shown.fpexc)
    out.write(" fpscr=")
    out.write(hex: shown.fpscr)
    out.newline()
    check("vfp-state", mismatches == 0)
    Hypervisor.shutdown(.powerOff)
}
