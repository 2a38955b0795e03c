import HVRegs
import HypervisorCore

/// Ends the machine with an exit status. Under QEMU (built with semihosting,
/// the default) the status reaches the host as QEMU's exit status; on a board
/// (EXIT=sysctl) the motherboard's SYS_CFGCTRL shutdown is used, and a failure
/// status, which a board cannot report, stops the CPU after the message.
enum PowerOff {
    /// The last line is always `Apus: exit status N`: a harness believes the
    /// emulator's exit status only when this hypervisor line agrees (a guest may
    /// reach QEMU's semihosting too, docs/CONSOLE.md).
    static func exit(status: Int32) -> Never {
        var out = Console()
        out.write("Apus: exit status ")
        out.write(signed: Int64(widening: Int(status)))
        out.newline()
        Console.drain()
        #if APUS_SEMIHOSTING
        var block: (UInt32, UInt32) = (UInt32(SEMIHOSTING_ADP_STOPPED_APPLICATION_EXIT), UInt32(bitPattern: status))
        _ = withUnsafePointer(to: &block) { pointer in
            apus_semihosting_call(UInt32(SEMIHOSTING_SYS_EXIT_EXTENDED), pointer)
        }
        #else
        if status == 0 {
            hv_mmio_write32(UInt(SYS_CFGCTRL), UInt32(SYS_CFG_SHUTDOWN))
        }
        #endif
        while true { hv_wfi() }
    }
}
