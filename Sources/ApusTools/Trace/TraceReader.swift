// A strict reader for `apus-trace 1` (docs/TRACE.md). It rejects what it does not understand
// instead of skipping it, because a silently dropped record draws a wrong picture. Besides
// syntax it checks what makes a trace self-consistent: times never go backwards, every VCPU
// is declared before use, each switch leaves the VCPU the previous one entered, and job
// records follow a job's life (released once, completed once, missed at most once).

public enum TraceReader {
    /// Reads and parses a file. Throws `TraceFileError` if it cannot be read as UTF-8 text,
    /// `TraceError` (with a line number) if its content is wrong.
    public static func read(path: String) throws -> Trace {
        let bytes: [UInt8]
        do {
            bytes = try TraceFileIO.read(path)
        } catch {
            throw TraceFileError(path: path, reason: "cannot read (\(error.reason))")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TraceFileError(path: path, reason: "not UTF-8 text")
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(TraceError) -> Trace {
        var state = TraceParseState()
        // "\r\n" is a single Character in Swift, so it needs its own case to split on.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        var lastContentLine = 1
        for (offset, content) in lines.enumerated() {
            try state.take(content, line: offset + 1)
            if !content.isEmpty { lastContentLine = offset + 1 }
        }
        // Errors about what is missing at the end point at the last line that has anything.
        return try state.finish(lastLine: lastContentLine)
    }
}
