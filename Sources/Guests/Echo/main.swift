import GuestRuntime
import GuestSupport
import HypervisorCore

/// The echo guest (docs/GUESTS.md): reads lines typed for it, from the split
/// console (the `in` stream of its console ring) or, without a console
/// backend, from the hypervisor (console_io read, woken by VIRQ_CONSOLE), and
/// prints each back as `ECHO <line>`; the line `quit` powers it off. It has
/// no bootargs.
@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    let registered = withUnsafeMutableBytes(of: &sharedInfoStorage) { EventChannels.registerSharedInfo(in: $0) }
    let inputPort = GuestConsole.inputPort.map { Int32(bitPattern: $0) } ?? EventChannels.bindVirq(VirtualIRQ.console)
    guard registered == 0, inputPort > 0 else {
        out.write("ERROR no console input: shared_info ")
        out.write(signed: Int64(widening: Int(registered)))
        out.write(", port ")
        out.write(signed: Int64(widening: Int(inputPort)))
        out.newline()
        check("echo-input", false)
        Hypervisor.shutdown(.crash)
    }
    let port = UInt32(bitPattern: inputPort)
    EventChannels.setHandler(port: port, inputEvent)
    EventChannels.attachUpcall()
    GIC.enable()
    out.write("ECHO ready port=")
    out.write(decimal: port)
    out.newline()

    var line = LineBuffer()
    var chunk = InlineArray<32, UInt8>(repeating: 0)
    while true {
        let count = withUnsafeMutableBytes(of: &chunk) { GuestConsole.read(into: $0) }
        if count == 0 {
            GuestClock.waitForInterrupt()  // the next event on the console port
            continue
        }
        for index in 0..<count {
            guard line.take(chunk[index]) else { continue }
            out.write("ECHO ")
            line.write(to: &out)
            out.newline()
            if line.isQuit {
                check("echo-input", true)
                Hypervisor.shutdown(.powerOff)
            }
            line.clear()
        }
    }
}

/// One input line; a line longer than the buffer is cut there.
struct LineBuffer {
    static let capacity = 120
    var bytes = InlineArray<120, UInt8>(repeating: 0)
    var length = 0

    /// Adds a byte; true when it ended the line ("\r" or "\n").
    mutating func take(_ byte: UInt8) -> Bool {
        if byte == 0x0D || byte == 0x0A { return length > 0 }
        guard length < Self.capacity else { return false }
        bytes[length] = byte
        length += 1
        return false
    }

    var isQuit: Bool {
        length == 4 && bytes[0] == 0x71 && bytes[1] == 0x75 && bytes[2] == 0x69 && bytes[3] == 0x74  // "quit"
    }

    func write(to out: inout GuestConsole) {
        for index in 0..<length { out.write(byte: bytes[index]) }
    }

    mutating func clear() { length = 0 }
}

/// 8 KiB of BSS: one whole, page-aligned page of it becomes shared_info.
nonisolated(unsafe) var sharedInfoStorage = InlineArray<2048, UInt32>(repeating: 0)

/// Input arrived: the main loop reads it after the WFI returns.
func inputEvent(_ port: UInt32) {}
