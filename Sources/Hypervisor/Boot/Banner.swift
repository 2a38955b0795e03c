import HVRegs
import HypervisorCore

/// The boot banner: who we are and what hardware we found.
enum Banner {
    static func print() {
        var out = Console()
        out.write("Apus ")
        out.write(apusVersion)
        out.write(" - real-time micro-hypervisor for ARMv7-A (Embedded Swift)")
        out.newline()
        // The build's own record of its configuration and options (Makefile: build-info.txt).
        out.write("  built for: ")
        var address = hv_build_info_start()
        while address < hv_build_info_end() {
            out.write(byte: UnsafePointer<UInt8>(bitPattern: address)!.pointee)
            address += 1
        }
        out.newline()
        out.write("  CPU mode: ")
        out.write(processorModeName(hv_read_cpsr()))
        out.newline()
        out.write("  platform: ")
        out.write(Board.kind.name)
        out.newline()
        out.field("MIDR", hex: hv_read_midr())
        PhysicalCPUs.writeBannerLine(to: &out)
        let listRegisters = (hv_mmio_read32(UInt(BOARD_GICH_BASE + GICH_VTR)) & 0x3F) + 1
        out.field("GIC list registers", decimal: UInt64(widening: listRegisters))
        let frequency = Clock.frequency
        out.write("  timer frequency: ")
        out.write(decimal: frequency)
        out.write(" Hz")
        out.newline()
        out.write("  RAM: ")
        out.write(hex: UInt32(hv_ram_start()))
        out.write(" - ")
        out.write(hex: UInt32(hv_ram_end()) &- 1)
        out.newline()
        out.write("  image: ")
        out.write(hex: UInt32(hv_image_start()))
        out.write(" - ")
        out.write(hex: UInt32(hv_image_end()) &- 1)
        out.write(" (")
        out.write(decimal: UInt32(hv_image_end() - hv_image_start()))
        out.write(" bytes)")
        out.newline()
    }
}
