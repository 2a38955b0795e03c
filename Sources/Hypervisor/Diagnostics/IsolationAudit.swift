import HVRegs
import HypervisorCore

/// Checked from outside every guest: at power-off the hypervisor reads each
/// VM's memory itself and counts the words holding the isolation probe marker
/// (`IsolationProbe.marker`), which the hostile guest stores through every
/// address it must not reach and once into its own memory as a control. A
/// count above zero in any VM but the prober is a store that crossed stage 2.
enum IsolationAudit {
    /// `  isolation marker words: a N, b N`
    static func write(to out: inout Console) {
        out.write("  isolation marker words:")
        for vm in 0..<Machines.count {
            out.write(vm == 0 ? " " : ", ")
            Machines.table[vm].writeName(to: &out)
            out.write(" ")
            out.write(decimal: markers(in: vm))
        }
        out.newline()
    }

    private static func markers(in vm: Int) -> UInt32 {
        let start = UInt(Machines.table[vm].physicalBase)
        let end = start + UInt(Machines.table[vm].memorySize)
        var count: UInt32 = 0
        var address = start
        while address < end {
            if hv_peek32(address) == IsolationProbe.marker { count &+= 1 }
            address += 4
        }
        return count
    }
}
