import GuestRuntime
import HypervisorCore
import XenRings

/// One frontend's console as the backend serves it: the `out` stream of its
/// ring page, and the line being assembled from it. Lines go to the UART
/// whole, each starting `[name] `, so two consoles never share a line.
struct ServedConsole {
    enum State { case serving, gone, dropped }
    enum Delivery { case delivered, full, closed }

    /// A line longer than this is cut and written as one line.
    static let lineLimit = 160
    /// Bytes taken from one ring per drain: one console producing without
    /// pause cannot starve the others.
    static let drainLimit = 2048

    let entry: ConsoleEntry
    let port: UInt32
    var ring: ConsoleBackend<SharedPageBarriers>
    var line = InlineArray<160, UInt8>(repeating: 0)
    var length = 0
    var state = State.serving

    init(entry: ConsoleEntry, port: UInt32, page: UnsafeMutableRawPointer) {
        self.entry = entry
        self.port = port
        ring = ConsoleBackend(page: page, barriers: SharedPageBarriers())
    }

    /// Moves what the frontend has published to the UART; returns the lines
    /// written. A ring whose indices are not believable (RingOverrun) is
    /// reported once and the console dropped: its page is not read again.
    mutating func drain(to uart: inout UART) -> UInt32 {
        guard state == .serving else { return 0 }
        var lines: UInt32 = 0
        var chunk = InlineArray<64, UInt8>(repeating: 0)
        var taken = 0
        while taken < Self.drainLimit {
            let transfer = withUnsafeMutableBytes(of: &chunk) { ring.read(into: $0) }
            switch transfer {
            case .overrun(let overrun):
                lines &+= flush(to: &uart)
                drop(overrun)
                return lines
            case .moved(let count):
                guard count > 0 else { return lines }
                for index in 0..<count { lines &+= take(chunk[index], to: &uart) }
                taken += count
            }
        }
        return lines
    }

    /// Puts one input byte into the frontend's `in` stream (the caller notifies).
    mutating func deliver(_ byte: UInt8) -> Delivery {
        guard state == .serving else { return .closed }
        var one = byte
        switch withUnsafeBytes(of: &one, { ring.write($0) }) {
        case .moved(let count): return count == 1 ? .delivered : .full
        case .overrun(let overrun):
            drop(overrun)
            return .closed
        }
    }

    /// The frontend is gone: takes what it left in the ring (at most a ring's
    /// worth, one drain), writes its partial line and stops serving it.
    mutating func retire(to uart: inout UART) -> UInt32 {
        var lines = drain(to: &uart)
        guard state == .serving else { return lines }
        lines &+= flush(to: &uart)
        state = .gone
        return lines
    }

    /// Writes a pending partial line (the frontend stopped or was dropped
    /// before its newline); returns the lines written (0 or 1).
    mutating func flush(to uart: inout UART) -> UInt32 {
        guard length > 0 else { return 0 }
        writeLine(to: &uart)
        return 1
    }

    /// Adds one byte to the line; returns 1 when that completed a line.
    private mutating func take(_ byte: UInt8, to uart: inout UART) -> UInt32 {
        switch byte {
        case 0x0A:  // "\n" ends the line (the UART adds the "\r")
            writeLine(to: &uart)
            return 1
        case 0x0D:  // a frontend's own "\r" would double the one the UART adds
            return 0
        default:
            line[length] = byte
            length += 1
            guard length == Self.lineLimit else { return 0 }
            writeLine(to: &uart)
            return 1
        }
    }

    private mutating func writeLine(to uart: inout UART) {
        uart.write("[")
        for byte in entry.name { uart.write(byte: byte) }
        uart.write("] ")
        for index in 0..<length { uart.write(byte: line[index]) }
        uart.newline()
        length = 0
    }

    /// `OVERRUN console=<name> dom=<d> prod=<p> cons=<c>: dropped`, through
    /// console_io; the port is masked so the frontend's events stop waking us.
    private mutating func drop(_ overrun: RingOverrun) {
        state = .dropped
        let entry = entry
        reportDroppedRing(port: port, overrun) { out in
            out.write("console=")
            for byte in entry.name { out.write(byte: byte) }
            out.write(" dom=")
            out.write(decimal: UInt32(entry.domain))
        }
    }
}
