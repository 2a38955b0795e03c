import GuestRuntime
import HypervisorCore
import XenRings

/// One frontend's console as the backend serves it: the `out` stream of its
/// ring page, and the line being assembled from it (GuestLineBuffer: lines go
/// to the UART whole as `[name] text`, pieces as `[name]~ text`, the
/// frontend's bytes escaped), so two consoles never share a line.
struct ServedConsole {
    enum State { case serving, gone, dropped }
    enum Delivery { case delivered, full, closed }

    /// Bytes taken from one ring per drain: one console producing without
    /// pause cannot starve the others.
    static let drainLimit = 2048

    let entry: ConsoleEntry
    let port: UInt32
    var ring: ConsoleBackend<SharedPageBarriers>
    var line = GuestLineBuffer()
    var state = State.serving

    init(entry: ConsoleEntry, port: UInt32, page: UnsafeMutableRawPointer) {
        self.entry = entry
        self.port = port
        ring = ConsoleBackend(page: page, barriers: SharedPageBarriers())
    }

    /// Moves what the frontend has published to the UART; returns the lines
    /// written. `beforeWriting` runs before each line (the other consoles'
    /// unfinished lines go out first). A ring whose indices are not believable
    /// (RingOverrun) is reported once and the console dropped: its page is not
    /// read again.
    mutating func drain(to uart: inout UART, beforeWriting: () -> Void = {}) -> UInt32 {
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
                for index in 0..<count where line.append(chunk[index]) {
                    beforeWriting()
                    writeLine(to: &uart)
                    lines &+= 1
                }
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

    /// Writes a pending unfinished line as a piece (the frontend stopped, was
    /// dropped, or another console writes); returns the lines written (0 or 1).
    mutating func flush(to uart: inout UART) -> UInt32 {
        guard line.isPending else { return 0 }
        writeLine(to: &uart)
        return 1
    }

    private mutating func writeLine(to uart: inout UART) {
        line.write(label: entry.name, to: &uart)
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
