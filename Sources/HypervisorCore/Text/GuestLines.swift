// Guest console output as lines nobody else can claim (docs/CONSOLE.md,
// "Whose line is it"). Each source's bytes collect in its own fixed buffer
// and reach the console only as whole lines under a prefix the multiplexer
// writes: `[label] text`. A piece that is not a whole line (the source had
// not finished it when another source wrote, the source stopped, or the line
// outgrew the buffer) is written `[label]~ text`. Guest bytes are escaped, so
// a guest cannot end a line early, move the cursor or fake a line start:
// printable ASCII stays, `\` becomes `\\`, every other byte `\xHH`.
// The hypervisor (every VM's console_io) and the console driver domain (its
// frontends' rings) both multiplex with this.

/// One source's line being assembled: bytes up to a newline, at most `capacity`.
public struct GuestLineBuffer {
    /// Longest piece written as one console line; longer lines are split.
    public static let capacity = 256
    /// The mark after `]` on a piece that is not a whole line.
    public static let partialMarker: UInt8 = 0x7E  // "~"

    var bytes = InlineArray<256, UInt8>(repeating: 0)
    /// Bytes buffered (the newline is never stored).
    public private(set) var count = 0
    /// The newline arrived: the buffered bytes end a line.
    var endsLine = false
    /// This line's beginning was already written as a piece.
    var continued = false

    public init() {}

    /// Something is buffered that the console has not seen.
    public var isPending: Bool { count > 0 }

    /// Takes one byte of the source's output; true when a piece is ready for
    /// `write` (a newline arrived, or the buffer is full).
    public mutating func append(_ byte: UInt8) -> Bool {
        if byte == 0x0A {
            // "\r\n" ends a line like "\n" (a tty's ONLCR); a lone "\r" is escaped.
            if count > 0, bytes[count - 1] == 0x0D { count -= 1 }
            endsLine = true
            return true
        }
        bytes[count] = byte
        count += 1
        return count == GuestLineBuffer.capacity
    }

    /// Writes what is buffered as one console line and empties the buffer:
    /// whole (`[label] `) only when it is a line from its start to its newline,
    /// `[label]~ ` otherwise. The rest of a line cut here follows as more pieces.
    /// Nothing is written for the newline that ends a line already written in
    /// pieces with nothing after the last one.
    public mutating func write<Sink: TextSink>(label: UnsafeRawBufferPointer, to sink: inout Sink) {
        let whole = endsLine && !continued
        defer {
            continued = !endsLine
            endsLine = false
            count = 0
        }
        guard count > 0 || whole else { return }
        sink.write(byte: 0x5B)  // "["
        for byte in label { GuestLineBuffer.writeEscaped(byte, to: &sink) }
        sink.write(byte: 0x5D)  // "]"
        if !whole { sink.write(byte: GuestLineBuffer.partialMarker) }
        sink.write(byte: 0x20)
        for index in 0..<count { GuestLineBuffer.writeEscaped(bytes[index], to: &sink) }
        sink.newline()
    }

    /// The buffered bytes are a whole line `CHECK <name> FAILED`: the source
    /// reports a failed check of its own (docs/GUESTS.md). Ask before `write`.
    public var isFailedCheck: Bool {
        guard endsLine, !continued else { return false }
        let start: StaticString = "CHECK ", end: StaticString = " FAILED"
        let startCount = start.utf8CodeUnitCount, endCount = end.utf8CodeUnitCount
        guard count > startCount + endCount else { return false }
        for index in 0..<startCount where bytes[index] != start.utf8Start[index] { return false }
        for index in 0..<endCount where bytes[count - endCount + index] != end.utf8Start[index] { return false }
        return true
    }

    /// Forgets everything buffered (the source restarts from scratch).
    public mutating func reset() { self = GuestLineBuffer() }

    /// One byte of a guest's text as the console shows it: printable ASCII
    /// itself, `\` doubled, anything else (controls, ESC, DEL, bytes >= 0x80) `\xHH`.
    public static func writeEscaped<Sink: TextSink>(_ byte: UInt8, to sink: inout Sink) {
        switch byte {
        case 0x5C:
            sink.write(byte: 0x5C)
            sink.write(byte: 0x5C)
        case 0x20...0x7E:
            sink.write(byte: byte)
        default:
            sink.write(byte: 0x5C)
            sink.write(byte: 0x78)  // "x"
            sink.write(byte: hexDigit(byte &>> 4))
            sink.write(byte: hexDigit(byte & 0xF))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? nibble &+ 0x30 : nibble &+ 0x57 }
}
