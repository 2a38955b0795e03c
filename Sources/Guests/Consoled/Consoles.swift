import GuestRuntime
import GuestSupport
import HypervisorCore

/// Every console this backend serves, and what it has written. Kept in
/// globals and changed in place: the IRQ handlers only count.
enum Consoles {
    nonisolated(unsafe) static var table = InlineArray<7, ServedConsole?>(repeating: nil)
    nonisolated(unsafe) static var count = 0
    /// Lines written for frontends (the backend's own reports not included).
    nonisolated(unsafe) static var lines: UInt32 = 0
    /// Events taken on console ports (in the upcall, interrupts masked).
    nonisolated(unsafe) static var events: UInt32 = 0

    /// Frames below this lie in a 32-bit guest-physical space.
    static let frameLimit: UInt64 = 0x10_0000

    /// Looks up `entry`'s ring page and port (hvm_op get_param 17 and 18) and
    /// serves it: `CONSOLE name=<n> dom=<d> port=<p> ring=<address>`. A
    /// console the hypervisor gives no ring for is reported and skipped.
    static func attach(_ entry: ConsoleEntry) {
        let frame = HVMParameters.get(domain: entry.domain, index: HVMParameters.consolePageFrame)
        guard frame.result == 0 else { return refuse(entry, "get_param 17 returned", result: frame.result) }
        guard frame.value != 0, frame.value < frameLimit else { return refuse(entry, "unusable ring frame", value: frame.value) }
        let port = HVMParameters.get(domain: entry.domain, index: HVMParameters.consolePort)
        guard port.result == 0 else { return refuse(entry, "get_param 18 returned", result: port.result) }
        guard port.value != 0, port.value < UInt64(clampingNonNegative: EventChannels.handledPorts) else {
            return refuse(entry, "unusable port", value: port.value)
        }
        let address = UInt32(truncatingIfNeeded: frame.value) &<< 12
        let portNumber = UInt32(truncatingIfNeeded: port.value)
        table[count] = ServedConsole(entry: entry, port: portNumber,
                                     page: UnsafeMutableRawPointer(bitPattern: UInt(address))!)
        count += 1
        EventChannels.setHandler(port: portNumber, consoleEvent)

        var out = GuestConsole()
        out.write("CONSOLE name=")
        for byte in entry.name { out.write(byte: byte) }
        out.write(" dom=")
        out.write(decimal: UInt32(entry.domain))
        out.write(" port=")
        out.write(decimal: portNumber)
        out.write(" ring=")
        out.write(hex: address)
        out.newline()
    }

    /// Drains every ring still served.
    static func serveAll() {
        var uart = UART()
        for index in 0..<count {
            // Drained out of the table, so the others' lines can be written meanwhile.
            guard var console = table[index] else { continue }
            lines &+= console.drain(to: &uart) { writeUnfinished(except: index) }
            table[index] = console
        }
    }

    /// Every other console's unfinished line goes out as a piece before a line
    /// of `index`'s: the UART stays in order and no line has two authors.
    static func writeUnfinished(except index: Int) {
        var uart = UART()
        for other in 0..<count where other != index && table[other]?.line.isPending == true {
            lines &+= table[other]?.flush(to: &uart) ?? 0
        }
    }

    /// EVTCHNOP_status on each served port: one that is no longer
    /// interdomain belongs to a frontend the hypervisor detached (it
    /// stopped). Its ring is drained a last time and it is retired.
    static func retireDeparted() {
        var uart = UART()
        for index in 0..<count where table[index]?.state == .serving {
            guard let port = table[index]?.port else { continue }
            let status = EventChannels.status(port)
            if status.result == 0, status.code == EventChannelStatusCode.interdomain.rawValue { continue }
            lines &+= table[index]?.retire(to: &uart) ?? 0
        }
    }

    /// Retires every console still served (the run timed out).
    static func retireAll() {
        var uart = UART()
        for index in 0..<count where table[index]?.state == .serving {
            lines &+= table[index]?.retire(to: &uart) ?? 0
        }
    }

    /// Consoles still served: the run ends when none is left.
    static var serving: Int {
        var left = 0
        for index in 0..<count where table[index]?.state == .serving { left += 1 }
        return left
    }

    /// `ERROR console=<name> dom=<d>: <what> <errno>`.
    private static func refuse(_ entry: ConsoleEntry, _ what: StaticString, result: Int32) {
        var out = errorLine(entry, what)
        out.write(signed: Int64(widening: Int(result)))
        out.newline()
    }

    /// `ERROR console=<name> dom=<d>: <what> <value in hex>`.
    private static func refuse(_ entry: ConsoleEntry, _ what: StaticString, value: UInt64) {
        var out = errorLine(entry, what)
        out.write(hex: value, digits: 16)
        out.newline()
    }

    private static func errorLine(_ entry: ConsoleEntry, _ what: StaticString) -> GuestConsole {
        var out = GuestConsole()
        out.write("ERROR console=")
        for byte in entry.name { out.write(byte: byte) }
        out.write(" dom=")
        out.write(decimal: UInt32(entry.domain))
        out.write(": ")
        out.write(what)
        out.write(" ")
        return out
    }
}

/// A console port's event: the main loop drains every ring after each
/// wake-up, so the handler only counts.
func consoleEvent(_ port: UInt32) { Consoles.events &+= 1 }
