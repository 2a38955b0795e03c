import HypervisorCore
import XCTest

/// GuestLineBuffer: whole lines under `[label] `, pieces under `[label]~ `,
/// guest bytes escaped, lines longer than the buffer split.
final class GuestLineBufferTests: XCTestCase {
    private struct Sink: TextSink {
        var bytes: [UInt8] = []
        mutating func write(byte: UInt8) { bytes.append(byte) }
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Feeds `input`, writing a piece whenever the buffer says one is ready.
    private func feed(_ input: [UInt8], into buffer: inout GuestLineBuffer, label: String = "vm", sink: inout Sink) {
        for byte in input where buffer.append(byte) { write(&buffer, label: label, to: &sink) }
    }

    private func write(_ buffer: inout GuestLineBuffer, label: String = "vm", to sink: inout Sink) {
        Array(label.utf8).withUnsafeBytes { buffer.write(label: $0, to: &sink) }
    }

    func testWholeLinesAndEscapes() {
        var buffer = GuestLineBuffer(), sink = Sink()
        feed(Array("hello\n".utf8) + [0x0D, 0x1B, 0x5B, 0x07, 0x5C, 0x7F, 0xC3, 0x0A] + Array("ok\r\n".utf8) + [0x0A],
             into: &buffer, sink: &sink)
        XCTAssertEqual(sink.text, "[vm] hello\n[vm] \\x0d\\x1b[\\x07\\\\\\x7f\\xc3\n[vm] ok\n[vm] \n")
        XCTAssertFalse(buffer.isPending)
    }

    func testAnUnfinishedLineIsWrittenAsPiecesAndItsEndToo() {
        var buffer = GuestLineBuffer(), sink = Sink()
        feed(Array("CHECK x pa".utf8), into: &buffer, sink: &sink)
        XCTAssertTrue(buffer.isPending)
        write(&buffer, to: &sink)  // another source writes
        feed(Array("ssed\nnext\n".utf8), into: &buffer, sink: &sink)
        XCTAssertEqual(sink.text, "[vm]~ CHECK x pa\n[vm]~ ssed\n[vm] next\n")
        // A line cut exactly before its newline: the newline alone writes nothing.
        write(&buffer, to: &sink)
        feed(Array("ab".utf8), into: &buffer, sink: &sink)
        write(&buffer, to: &sink)
        feed([0x0A], into: &buffer, sink: &sink)
        XCTAssertEqual(sink.text, "[vm]~ CHECK x pa\n[vm]~ ssed\n[vm] next\n[vm]~ ab\n")
    }

    func testLongLinesAreSplitAndMarked() {
        var buffer = GuestLineBuffer(), sink = Sink()
        feed(Array(repeating: 0x41, count: 600) + [0x0A], into: &buffer, sink: &sink)
        let a = { String(repeating: "A", count: $0) }
        XCTAssertEqual(sink.text, "[vm]~ \(a(256))\n[vm]~ \(a(256))\n[vm]~ \(a(88))\n")
    }

    func testFailedChecksAreWholeLinesOnly() {
        func failed(_ text: String, cutFirst: Bool = false) -> Bool {
            var buffer = GuestLineBuffer(), sink = Sink()
            let bytes = Array(text.utf8)
            for (index, byte) in bytes.enumerated() {
                if cutFirst && index == 3 { write(&buffer, to: &sink) }
                if buffer.append(byte) { return buffer.isFailedCheck }
            }
            return false
        }
        XCTAssertTrue(failed("CHECK rt-deadlines FAILED\n"))
        XCTAssertFalse(failed("CHECK rt-deadlines passed\n"))
        XCTAssertFalse(failed("[rt] CHECK rt-deadlines FAILED\n"))
        XCTAssertFalse(failed("CHECK FAILED\n"))
        XCTAssertFalse(failed("CHECK rt-deadlines FAILED", cutFirst: false))
        XCTAssertFalse(failed("CHECK rt-deadlines FAILED\n", cutFirst: true))
    }

    func testLabelsAreEscapedToo() {
        var buffer = GuestLineBuffer(), sink = Sink()
        feed(Array("x\n".utf8), into: &buffer, label: "a]\n", sink: &sink)
        XCTAssertEqual(sink.text, "[a]\\x0a] x\n")
    }
}
