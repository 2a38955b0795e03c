import HVRegs
import HypervisorCore

/// Guest console lines on the hypervisor's console, prefixed with the VM's name.
enum GuestConsoleOutput {
    nonisolated(unsafe) static var atLineStart = InlineArray<8, Bool>(repeating: true)

    static func write(vm: Int, _ bytes: UnsafeMutableRawBufferPointer) {
        var out = Console()
        for byte in bytes {
            if atLineStart[vm] {
                out.write("[")
                Machines.table[vm].writeName(to: &out)
                out.write("] ")
                atLineStart[vm] = false
            }
            if byte == 0x0A { atLineStart[vm] = true }
            out.write(byte: byte)
        }
    }
}
