// Reading and writing the simulator's text files with one-line, errno-based
// reasons ("no such file or directory", "is a directory", "not UTF-8 text").
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum TextFile {
    static func read(_ path: String, what: String) throws(ScenarioError) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ScenarioError(file: path, line: nil, message: "cannot read \(what): is a directory")
        }
        guard let file = fopen(path, "rb") else {
            throw ScenarioError(file: path, line: nil, message: "cannot read \(what): \(String(cString: strerror(errno)).lowercased())")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            bytes.append(contentsOf: buffer[0..<count])
            if count < buffer.count { break }
        }
        if ferror(file) != 0 {
            throw ScenarioError(file: path, line: nil, message: "cannot read \(what): read error")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ScenarioError(file: path, line: nil, message: "cannot read \(what): not UTF-8 text")
        }
        return text
    }

    static func write(_ text: String, to path: String, what: String) throws(ScenarioError) {
        guard let file = fopen(path, "wb") else {
            throw ScenarioError(file: path, line: nil, message: "cannot write \(what): \(String(cString: strerror(errno)).lowercased())")
        }
        let bytes = Array(text.utf8)
        let written = fwrite(bytes, 1, bytes.count, file)
        let closed = fclose(file)
        if written != bytes.count || closed != 0 {
            throw ScenarioError(file: path, line: nil, message: "cannot write \(what): \(String(cString: strerror(errno)).lowercased())")
        }
    }
}

extension SimulationOutcome {
    /// Writes the trace (if one was requested) to `path`.
    public func writeTrace(to path: String) throws(ScenarioError) {
        guard let trace else { return }
        try TextFile.write(trace, to: path, what: "trace")
    }
}
