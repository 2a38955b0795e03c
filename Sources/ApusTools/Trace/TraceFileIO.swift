#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Whole-file reads and writes through the C library, so that failures come back as the
// system's short reason ("No such file or directory", "Is a directory") rather than
// Foundation's generic "The operation could not be completed".

public struct TraceFileIOError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

public enum TraceFileIO {
    public static func read(_ path: String) throws(TraceFileIOError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw failure(path) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count {
                if ferror(file) != 0 { throw failure(path) }
                return bytes
            }
        }
    }

    public static func write(_ text: String, to path: String) throws(TraceFileIOError) {
        guard let file = fopen(path, "wb") else { throw failure(path) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        // fclose flushes: a full disk may only show up here.
        let closed = fclose(file)
        if written != bytes.count || closed != 0 { throw failure(path) }
    }

    private static func failure(_ path: String) -> TraceFileIOError {
        TraceFileIOError(path: path, reason: String(cString: strerror(errno)))
    }
}
