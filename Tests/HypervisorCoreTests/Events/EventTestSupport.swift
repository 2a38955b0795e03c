// Helpers for the event-channel tests: zeroed shared_info pages the tests own,
// a table with some domains attached, and argument buffers.
import HypervisorCore
import XCTest

/// Page-sized, 8-aligned, zeroed memory standing in for each domain's shared_info.
final class EventPages {
    let pages: [UnsafeMutableRawPointer]

    init(count: Int) {
        pages = (0..<count).map { _ in
            let page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
            page.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
            return page
        }
    }

    deinit { for page in pages { page.deallocate() } }

    subscript(domain: Int) -> UnsafeMutableRawPointer { pages[domain] }

    func hypervisorView(_ domain: Int) -> EventPage { EventPage(sharedInfo: pages[domain]) }
    func guestView(_ domain: Int) -> GuestEventChannels { GuestEventChannels(sharedInfo: pages[domain]) }

    /// The 64-bit word at `offset` of domain's page (little endian, as the guest reads it).
    func word64(_ domain: Int, at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(pages[domain].load(fromByteOffset: offset + i, as: UInt8.self)) << (8 * i) }
        return value
    }

    func byte(_ domain: Int, at offset: Int) -> UInt8 { pages[domain].load(fromByteOffset: offset, as: UInt8.self) }

    func setByte(_ domain: Int, at offset: Int, _ value: UInt8) {
        pages[domain].storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
    }

    /// Sets the 64-bit little-endian word at `offset` of domain's page.
    func setWord64(_ domain: Int, at offset: Int, _ value: UInt64) {
        for i in 0..<8 { setByte(domain, at: offset + i, UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }
}

/// A table with domains 0..<count attached to `pages`.
func makeEventTable(_ pages: EventPages, domains count: Int) -> EventChannelTable {
    var table = EventChannelTable()
    for d in 0..<count { XCTAssertTrue(table.attach(domain: UInt16(d), page: pages.hypervisorView(d))) }
    return table
}

/// Runs `body` with a zeroed argument buffer of `size` bytes.
func withEventArguments<R>(_ bytes: [UInt8], _ body: (UnsafeMutableRawBufferPointer) -> R) -> (R, [UInt8]) {
    var copy = bytes
    let result = copy.withUnsafeMutableBytes { body($0) }
    return (result, copy)
}

/// Little-endian bytes of a value, for building argument structures.
func eventLE16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func eventLE32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

extension XCTestCase {
    /// Unwraps a success or fails the test with the error.
    func unwrapEvent<T>(_ result: Result<T, XenError>, file: StaticString = #filePath, line: UInt = #line) -> T? {
        switch result {
        case .success(let value): return value
        case .failure(let error):
            XCTFail("unexpected \(error)", file: file, line: line)
            return nil
        }
    }

    func assertEventError<T>(_ result: Result<T, XenError>, _ expected: XenError,
                          file: StaticString = #filePath, line: UInt = #line) {
        switch result {
        case .success(let value): XCTFail("expected \(expected), got success \(value)", file: file, line: line)
        case .failure(let error): XCTAssertEqual(error, expected, file: file, line: line)
        }
    }
}
