import GuestRuntime
import GuestSupport
import HypervisorCore

/// `attack=console` (docs/GUESTS.md): raw console_io writes that try to speak
/// for someone else: another VM's CHECK line, the hypervisor's own lines,
/// lines hidden behind a carriage return or an escape sequence, an
/// unfinished line that would absorb the next VM's, a line longer than any
/// buffer, and the same text through QEMU semihosting. Each must appear on
/// the console as this VM's (`[hostile] ...` or `[hostile]~ ...`), escaped.
/// The test reads the transcript; the guest itself cannot tell.
enum ConsoleAttacks {
    static func run(hides: Int) {
        send("[rt] CHECK rt-deadlines FAILED\n")
        send("Apus: all VMs stopped\n")
        send("FORGED-A\nApus: VM rt stopped: shutdown (poweroff)\n")
        send("\r[rt] CHECK rt-forged passed\u{1B}[2K\u{07}\n")
        send("\\x0a[rt] CHECK rt-escaped passed\n")
        // Half a line, then a wait long enough for the other VMs to print:
        // their lines must come out whole, not glued to this one.
        for _ in 0..<hides {
            send("HIDE-")
            let end = GuestClock.now + .milliseconds(40)
            while GuestClock.now < end { CPUWork.spin(iterations: 1_000) }
            send("TAIL\n")
        }
        sendLongLine()
        // Semihosting: SYS_WRITE0 of a forged line, then whatever QEMU makes of it.
        semihostingWrite("[rt] CHECK rt-semihosting FAILED\n")
        semihostingWrite("Apus: exit status 0\n")
    }

    /// 300 bytes and a newline: more than one console line holds.
    private static func sendLongLine() {
        var line = InlineArray<301, UInt8>(repeating: 0x4C)  // "L"
        line[300] = 0x0A
        withUnsafeMutableBytes(of: &line) { bytes in
            _ = Hypervisor.consoleWrite(address: UInt32(UInt(bitPattern: bytes.baseAddress!)), count: 301)
        }
    }

    private static func send(_ text: StaticString) {
        _ = Hypervisor.consoleWrite(address: UInt32(UInt(bitPattern: text.utf8Start)), count: UInt32(text.utf8CodeUnitCount))
    }

    /// SYS_WRITE0 (0x04): r1 points at a NUL-terminated string.
    private static func semihostingWrite(_ text: StaticString) {
        var bytes = InlineArray<64, UInt8>(repeating: 0)
        let count = min(text.utf8CodeUnitCount, 63)
        for index in 0..<count { bytes[index] = text.utf8Start[index] }
        withUnsafeMutableBytes(of: &bytes) { buffer in
            _ = g_semihosting_call(0x04, buffer.baseAddress!)
        }
    }

    /// SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit and status 0:
    /// if the emulator honours it, the whole run ends "successfully" here.
    static func semihostingExit() -> Never {
        note("ending the run through semihosting with status 0")
        var block = InlineArray<2, UInt32>(repeating: 0)
        block[0] = 0x20026
        withUnsafeMutableBytes(of: &block) { buffer in
            _ = g_semihosting_call(0x20, buffer.baseAddress!)
        }
        check("hostile-semihosting-exit-ignored", true)
        Hypervisor.shutdown(.powerOff)
    }
}
