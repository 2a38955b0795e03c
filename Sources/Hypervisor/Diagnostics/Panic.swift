import HVRegs
import HypervisorCore

/// A hypervisor bug or an exception taken in HYP mode itself: report
/// everything a developer needs to find it, then end the run with
/// EXIT_STATUS_PANIC. Never returns.
enum Panic {
    static func report(_ reason: StaticString, frame: UnsafeMutablePointer<apus_trap_frame>) -> Never {
        var out = Console()
        let f = frame.pointee
        out.newline()
        out.write("*** APUS PANIC: ")
        out.write(reason)
        out.write(" ***")
        out.newline()
        if let exceptionClass = ExceptionClass(syndrome: f.hsr) {
            out.write("  exception class: ")
            out.write(exceptionClass.name)
            out.write(" (EC ")
            out.write(hex: UInt64(widening: UInt32(exceptionClass.rawValue)), digits: 2)
            out.write(")")
            out.newline()
        }
        out.write("  vector: ")
        out.write(vectorName(f.kind))
        out.write(", taken from ")
        out.write(processorModeName(f.spsr))
        out.write(" mode")
        out.newline()
        out.field("HSR     ", hex: f.hsr)
        out.field("HDFAR   ", hex: hv_read_hdfar())
        out.field("HIFAR   ", hex: hv_read_hifar())
        out.field("HPFAR   ", hex: hv_read_hpfar())
        out.field("ELR_hyp ", hex: f.elr)
        out.field("SPSR_hyp", hex: f.spsr)
        dumpRegisters(f, to: &out)
        out.write("  (addr2line -e build/apus.elf ")
        out.write(hex: f.elr)
        out.write(" names the faulting function)")
        out.newline()
        PowerOff.exit(status: EXIT_STATUS_PANIC)
    }

    /// A panic without a trap frame (an internal check failed).
    static func halt(_ reason: StaticString) -> Never {
        var out = Console()
        out.newline()
        out.write("*** APUS PANIC: ")
        out.write(reason)
        out.write(" ***")
        out.newline()
        PowerOff.exit(status: EXIT_STATUS_PANIC)
    }

    /// r0-r12 four to a line, then sp and lr.
    private static func dumpRegisters(_ f: apus_trap_frame, to out: inout Console) {
        var registers = f.r
        withUnsafeBytes(of: &registers) { raw in
            for index in 0..<13 {
                out.write(index < 10 ? "  r" : " r")
                out.write(decimal: UInt32(index))
                out.write(": ")
                out.write(hex: raw.load(fromByteOffset: index * 4, as: UInt32.self))
                if index % 4 == 3 { out.newline() }
            }
        }
        out.write("   sp: ")
        out.write(hex: f.sp)
        out.write("   lr: ")
        out.write(hex: f.lr)
        out.newline()
    }

    private static func vectorName(_ kind: UInt32) -> StaticString {
        switch Int32(kind) {
        case TRAP_KIND_RESET: return "reset"
        case TRAP_KIND_UNDEFINED: return "undefined instruction"
        case TRAP_KIND_SVC: return "supervisor call"
        case TRAP_KIND_PREFETCH: return "prefetch abort"
        case TRAP_KIND_DATA: return "data abort"
        case TRAP_KIND_HYP_TRAP: return "hyp trap"
        case TRAP_KIND_IRQ: return "IRQ"
        case TRAP_KIND_FIQ: return "FIQ"
        default: return "unknown vector"
        }
    }
}
