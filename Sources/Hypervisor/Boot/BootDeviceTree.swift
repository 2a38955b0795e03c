import HVRegs
import HypervisorCore

/// The device tree a bootloader passed in r2 (U-Boot's bootm does): read with
/// the core's FDT reader and checked against the platform this hypervisor was
/// built for. A disagreement stops the boot naming both values; QEMU's
/// -kernel passes none (r2 = 0), and then there is nothing to check.
enum BootDeviceTree {
    /// Where the tree is, if r2 points at one inside RAM.
    static var address: UInt {
        let candidate = UInt(hv_boot_register(2))
        guard candidate != 0, candidate % 4 == 0, candidate >= hv_ram_start(), candidate < hv_ram_end() - 40,
              hv_peek32(candidate) == 0xEDFE_0DD0 else { return 0 }  // 0xd00dfeed, big-endian
        return candidate
    }

    /// The facts of the tree at `address` (nil when there is none or it is unreadable).
    static func read() -> BootTreeFacts? {
        let start = address
        guard start != 0 else { return nil }
        let size = UInt(UInt32(bigEndian: UInt32(truncatingIfNeeded: hv_peek32(start + 4))))
        let length = min(size, hv_ram_end() - start)
        do {
            let fdt = try FDT(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: start), count: Int(length)))
            return BootTreeFacts(reading: fdt)
        } catch {
            var out = Console()
            out.write("  boot device tree at ")
            out.write(hex: UInt32(start))
            out.write(": unreadable, not checked")
            out.newline()
            return nil
        }
    }

    /// Stops the boot when `facts` disagree with the built-in platform; says so when they agree.
    static func check(_ facts: BootTreeFacts?) {
        guard let facts else { return }
        var out = Console()
        do {
            try facts.check(against: Board.platform, counterRegister: UInt64(widening: hv_read_cntfrq()))
        } catch {
            out.write("Apus: ")
            error.write(to: &out)
            out.write(". Stopped.")
            out.newline()
            PowerOff.exit(status: EXIT_STATUS_BOOT_FAILURE)
        }
        out.write("  boot device tree: ")
        out.write(hex: UInt32(address))
        out.write(", agrees with platform ")
        out.write(Board.kind.name)
        out.newline()
    }
}
