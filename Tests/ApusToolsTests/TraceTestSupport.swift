import ApusTools
import Foundation
import XCTest

// Shared helpers for the trace tests: where the example traces live, and a parse that fails
// the test with the reader's message instead of an opaque thrown error.

enum TraceExamples {
    /// Examples/traces/, found from this file's path so the tests run from any directory.
    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/traces")
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func load(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Trace {
        do {
            return try TraceReader.read(path: path(name))
        } catch {
            XCTFail("\(name): \(error)", file: file, line: line)
            throw error
        }
    }
}

/// The reader's error for `text`, or nil if it parsed.
func traceParseError(_ text: String) -> TraceError? {
    do {
        _ = try TraceReader.parse(text)
        return nil
    } catch {
        return error
    }
}
