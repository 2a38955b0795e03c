import GuestSupport
import HypervisorCore
import XenRings

/// Guest console output, one line at a time: into the Xen console ring a
/// console backend serves (docs/CONSOLE.md) when the hypervisor set one up,
/// otherwise through the console_io hypercall. Either way each line appears
/// on UART0 prefixed with the VM's name.
public struct GuestConsole: TextSink {
    nonisolated(unsafe) static var line = InlineArray<160, UInt8>(repeating: 0)
    nonisolated(unsafe) static var length = 0
    nonisolated(unsafe) static var ring = ConsoleRingState.unknown
    /// console_io writes so far (`check` tells whether a line reached the hypervisor).
    nonisolated(unsafe) static var hypercallWrites: UInt32 = 0

    public init() {}

    public mutating func write(byte: UInt8) {
        GuestConsole.line[GuestConsole.length] = byte
        GuestConsole.length += 1
        if byte == 0x0A || GuestConsole.length == 160 { GuestConsole.flush() }
    }

    public static func flush() {
        guard length > 0 else { return }
        if case .unknown = ring { ring = ConsoleRingState.discover() }
        withUnsafeBytes(of: &line) { bytes in
            let text = UnsafeRawBufferPointer(rebasing: bytes[0..<length])
            if case .ring(var frontend, let port) = ring {
                sendThroughRing(text, producer: &frontend.output, port: port)
                ring = .ring(frontend, port: port)
            } else {
                _ = Hypervisor.consoleWrite(address: UInt32(UInt(bitPattern: text.baseAddress!)), count: UInt32(length))
                hypercallWrites &+= 1
            }
        }
        length = 0
    }

    /// Input typed for this guest (docs/CONSOLE.md): copies up to
    /// `buffer.count` bytes waiting in the ring's `in` stream and tells the
    /// backend there is room again; without a ring, console_io read takes
    /// what the hypervisor queued for it. 0 when nothing waits. New input comes
    /// with an event on `inputPort` (ring) or on VIRQ_CONSOLE (console_io).
    public static func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if case .unknown = ring { ring = ConsoleRingState.discover() }
        guard case .ring(var frontend, let port) = ring else {
            guard let start = buffer.baseAddress, buffer.count > 0 else { return 0 }
            let result = Hypervisor.call(.consoleIO, ConsoleIOCommand.read.rawValue, UInt32(buffer.count),
                                         UInt32(UInt(bitPattern: start)))
            return result > 0 ? Int(result) : 0
        }
        let transfer = frontend.read(into: buffer)
        ring = .ring(frontend, port: port)
        guard case .moved(let count) = transfer, count > 0 else { return 0 }
        _ = EventChannels.send(port)
        return count
    }

    /// Whether this VM's lines go through a console ring (false: console_io).
    public static var hasRing: Bool {
        if case .unknown = ring { ring = ConsoleRingState.discover() }
        if case .ring = ring { return true }
        return false
    }

    /// Runs `body` with every line it prints sent through console_io, even
    /// when the VM has a console ring (the disk guest's `lines=` benchmark
    /// compares the two paths); the ring is used again afterwards.
    public static func throughHypercall(_ body: () -> Void) {
        flush()
        if case .unknown = ring { ring = ConsoleRingState.discover() }
        waitUntilTheBackendHasTakenEverything()
        let saved = ring
        ring = .none
        body()
        flush()
        ring = saved
    }

    /// The backend writes the ring's lines on the UART the hypervisor writes
    /// console_io lines on: before switching paths, let it take (and print)
    /// every byte published, so the two paths' lines do not interleave.
    /// Taken is not yet printed: the backend moves the consumer index before
    /// it writes the line, and can be preempted in between, so the CPU goes
    /// to the others for a few of the backend's periods as well.
    private static func waitUntilTheBackendHasTakenEverything() {
        guard case .ring(let frontend, _) = ring else { return }
        var patience = 10_000
        while frontend.output.unconsumed != 0, patience > 0 {
            patience -= 1
            Hypervisor.yield()
        }
        let printed = GuestClock.now + .milliseconds(printingGrace)
        while GuestClock.now < printed { Hypervisor.yield() }
    }

    /// Longer than a few periods of any console back end in Configs/ (2 ms).
    static let printingGrace: UInt64 = 8

    /// The console ring's event channel port; nil when output goes through console_io.
    public static var inputPort: UInt32? {
        if case .unknown = ring { ring = ConsoleRingState.discover() }
        guard case .ring(_, let port) = ring else { return nil }
        return port
    }

    /// Publishes all of `text`, notifying the backend after each batch;
    /// while the ring is full the VCPU yields so the backend can drain it.
    private static func sendThroughRing(_ text: UnsafeRawBufferPointer, producer: inout ConsoleProducer<GuestBarriers>, port: UInt32) {
        var sent = 0
        var patience = 10_000
        while sent < text.count, patience > 0 {
            switch producer.write(UnsafeRawBufferPointer(rebasing: text[sent...])) {
            case .moved(let count) where count > 0:
                sent += count
                _ = EventChannels.send(port)
            case .moved:
                patience -= 1
                Hypervisor.yield()
            case .overrun:
                return  // the backend corrupted the ring: drop the line rather than spin
            }
        }
    }
}

/// Whether this VM has a console ring, found once with hvm_op get_param.
enum ConsoleRingState {
    case unknown
    case none
    case ring(ConsoleFrontend<GuestBarriers>, port: UInt32)

    static func discover() -> ConsoleRingState {
        guard let frame = hvmParameter(17), let port = hvmParameter(18), frame != 0 else { return .none }
        let page = UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: frame) << 12)!
        return .ring(ConsoleFrontend(page: page, barriers: GuestBarriers()), port: UInt32(truncatingIfNeeded: port))
    }

    /// HVMOP_get_param for this domain; nil when the hypervisor says no.
    private static func hvmParameter(_ index: UInt32) -> UInt64? {
        var parameter = InlineArray<4, UInt32>(repeating: 0)  // struct xen_hvm_param
        parameter[0] = 0x7FF0                                  // domid = DOMID_SELF (u16), pad
        parameter[1] = index
        let result = withUnsafeMutablePointer(to: &parameter) { pointer in
            Hypervisor.call(.hvmOp, 1, UInt32(UInt(bitPattern: pointer)))
        }
        guard result == 0 else { return nil }
        return UInt64(widening: parameter[2]) | (UInt64(widening: parameter[3]) &<< 32)
    }
}

/// Data memory barriers between the guest and its console backend.
struct GuestBarriers: RingBarriers {
    func write() { g_dsb() }
    func read() { g_dsb() }
    func full() { g_dsb() }
}

/// One tagged result line, the format the QEMU tests read:
/// `CHECK <name> passed` or `CHECK <name> FAILED`.
public func check(_ name: StaticString, _ passed: Bool) {
    var out = GuestConsole()
    check(name, passed, to: &out)
}

/// The same line written to `sink` (a guest reporting on its own UART).
/// A FAILED line that did not go through console_io (a console ring, a UART
/// of its own) is written through console_io as well: the hypervisor counts
/// the failed checks it sees there for the run's exit status (docs/GUESTS.md).
public func check<Sink: TextSink>(_ name: StaticString, _ passed: Bool, to sink: inout Sink) {
    let writesBefore = GuestConsole.hypercallWrites
    writeCheck(name, passed, to: &sink)
    guard !passed, GuestConsole.hypercallWrites == writesBefore else { return }
    GuestConsole.throughHypercall {
        var out = GuestConsole()
        writeCheck(name, passed, to: &out)
    }
}

private func writeCheck<Sink: TextSink>(_ name: StaticString, _ passed: Bool, to sink: inout Sink) {
    sink.write("CHECK ")
    sink.write(name)
    sink.write(passed ? " passed" : " FAILED")
    sink.newline()
}
