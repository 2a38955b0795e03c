// Errors the trace reader reports. A syntax or consistency problem names the line, so the
// tool can print `FILE:LINE: reason` like a compiler; a file that cannot be read at all has
// no line.

/// A record the reader rejects, with its 1-based line number.
public struct TraceError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String

    public init(line: Int, _ reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}

/// The file itself could not be read (missing, a directory, not UTF-8 text).
public struct TraceFileError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}
