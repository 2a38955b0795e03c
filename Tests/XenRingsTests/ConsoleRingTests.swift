import XenRings
import TestSupport
import XCTest

final class ConsoleRingTests: XCTestCase {
    private func write<B>(_ side: inout ConsoleProducer<B>, _ bytes: [UInt8]) -> ConsoleTransfer {
        bytes.withUnsafeBytes { side.write($0) }
    }

    private func read<B>(_ side: inout ConsoleConsumer<B>, max: Int) -> ([UInt8], ConsoleTransfer) {
        var buffer = [UInt8](repeating: 0, count: max)
        let result = buffer.withUnsafeMutableBytes { side.read(into: $0) }
        if case .moved(let count) = result { return (Array(buffer[0..<count]), result) }
        return ([], result)
    }

    func testLayoutIsXencons() {
        XCTAssertEqual(ConsoleStream.input, ConsoleStream(dataOffset: 0, size: 1024, consumerOffset: 3072,
                                                          producerOffset: 3076))
        XCTAssertEqual(ConsoleStream.output, ConsoleStream(dataOffset: 1024, size: 2048, consumerOffset: 3080,
                                                           producerOffset: 3084))
        XCTAssertEqual(ConsoleStream.interfaceSize, 3088)
        let page = TestPage(fill: 0xEE)
        for offset in stride(from: 3072, to: 3088, by: 4) { page.setLE32(0, offset) }
        var guest = ConsoleFrontend(page: page.bytes, barriers: NoRingBarriers())
        var backend = ConsoleBackend(page: page.bytes, barriers: NoRingBarriers())
        XCTAssertEqual(Array("hi".utf8).withUnsafeBytes { guest.write($0) }, .moved(2))
        XCTAssertEqual(page[1024], UInt8(ascii: "h"))
        XCTAssertEqual(page[1025], UInt8(ascii: "i"))
        XCTAssertEqual(page.le32(3084), 2, "out_prod")
        XCTAssertEqual(Array("k".utf8).withUnsafeBytes { backend.write($0) }, .moved(1))
        XCTAssertEqual(page[0], UInt8(ascii: "k"))
        XCTAssertEqual(page.le32(3076), 1, "in_prod")
        var buffer = [UInt8](repeating: 0, count: 8)
        XCTAssertEqual(buffer.withUnsafeMutableBytes { backend.read(into: $0) }, .moved(2))
        XCTAssertEqual(page.le32(3080), 2, "out_cons")
        XCTAssertEqual(buffer.withUnsafeMutableBytes { guest.read(into: $0) }, .moved(1))
        XCTAssertEqual(buffer[0], UInt8(ascii: "k"))
        XCTAssertEqual(page.le32(3072), 1, "in_cons")
    }

    func testBothStreamsWrapAroundTheirRingsAndPastTwoToTheThirtySecond() {
        var generator = SplitMix64(seed: 0xC0501E)
        for (stream, start) in [(ConsoleStream.output, UInt32.max - 3000), (ConsoleStream.input, 12345)] {
            let page = TestPage()
            page.setLE32(start, stream.producerOffset)
            page.setLE32(start, stream.consumerOffset)
            var producer = ConsoleProducer(page: page.bytes, stream: stream, barriers: NoRingBarriers())
            var consumer = ConsoleConsumer(page: page.bytes, stream: stream, barriers: NoRingBarriers())
            var sent: [UInt8] = []
            var received: [UInt8] = []
            while received.count < 20_000 {
                let chunk = (0..<Int.random(in: 0...1500, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                if case .moved(let count) = write(&producer, chunk) { sent += chunk[0..<count] } else { XCTFail() }
                let (bytes, _) = read(&consumer, max: Int.random(in: 0...1500, using: &generator))
                received += bytes
            }
            XCTAssertEqual(received, Array(sent[0..<received.count]), "bytes arrive in order, none lost or doubled")
            XCTAssertEqual(producer.producer &- start, UInt32(sent.count))
            XCTAssertEqual(consumer.consumer &- start, UInt32(received.count))
        }
    }

    func testAFullStreamTakesNoMoreUntilTheConsumerReads() {
        let page = TestPage()
        var guest = ConsoleFrontend(page: page.bytes, barriers: NoRingBarriers())
        var backend = ConsoleBackend(page: page.bytes, barriers: NoRingBarriers())
        XCTAssertEqual(write(&guest.output, Array(repeating: 1, count: 3000)), .moved(2048))
        XCTAssertEqual(write(&guest.output, [2]), .moved(0))
        XCTAssertEqual(read(&backend.output, max: 100).1, .moved(100))
        XCTAssertEqual(write(&guest.output, Array(repeating: 3, count: 200)), .moved(100))
        XCTAssertEqual(write(&backend.input, Array(repeating: 4, count: 1500)), .moved(1024))
        XCTAssertEqual(read(&guest.input, max: 2000).1, .moved(1024))
        XCTAssertEqual(read(&guest.input, max: 10).1, .moved(0))
    }

    func testAProducerThatPublishedMoreThanTheRingHoldsIsDetected() {
        let page = TestPage()
        var backend = ConsoleBackend(page: page.bytes, barriers: NoRingBarriers())
        page.setLE32(2048, 3084)
        XCTAssertEqual(read(&backend.output, max: 1).1, .moved(1), "2048 outstanding is a full ring")
        page.setLE32(2050, 3084)
        XCTAssertEqual(read(&backend.output, max: 10).1,
                       .overrun(RingOverrun(published: 2050, consumer: 1, limit: 2048)))
        XCTAssertEqual(backend.output.consumer, 1, "nothing consumed")
        XCTAssertEqual(page.le32(3080), 1, "out_cons not moved")
        var guest = ConsoleFrontend(page: page.bytes, barriers: NoRingBarriers())
        page.setLE32(0xFFFF_FFFF, 3076)
        XCTAssertEqual(read(&guest.input, max: 10).1,
                       .overrun(RingOverrun(published: 0xFFFF_FFFF, consumer: 0, limit: 1024)))
    }

    func testAConsumerClaimingBytesNeverWrittenIsDetected() {
        let page = TestPage()
        var guest = ConsoleFrontend(page: page.bytes, barriers: NoRingBarriers())
        XCTAssertEqual(write(&guest.output, [1, 2, 3]), .moved(3))
        page.setLE32(10, 3080)  // out_cons ahead of out_prod 3
        XCTAssertEqual(write(&guest.output, [4]), .overrun(RingOverrun(published: 3, consumer: 10, limit: 2048)))
        XCTAssertEqual(page.le32(3084), 3, "out_prod not moved")
        page.setLE32(3, 3080)
        XCTAssertEqual(write(&guest.output, [4]), .moved(1))
    }

    func testHostileIndicesNeverTouchBytesOutsideTheStream() {
        var generator = SplitMix64(seed: 99)
        let page = TestPage(fill: 0x5A)
        for _ in 0..<2000 {
            for offset in stride(from: 3072, to: 3088, by: 4) {
                page.setLE32(UInt32.random(in: 0...UInt32.max, using: &generator), offset)
            }
            var guest = ConsoleFrontend(page: page.bytes, barriers: NoRingBarriers())
            var backend = ConsoleBackend(page: page.bytes, barriers: NoRingBarriers())
            for offset in stride(from: 3072, to: 3088, by: 4) {
                page.setLE32(UInt32.random(in: 0...UInt32.max, using: &generator), offset)
            }
            _ = write(&guest.output, Array(repeating: 0xA5, count: 3000))
            _ = write(&backend.input, Array(repeating: 0xA5, count: 3000))
            _ = read(&backend.output, max: 3000)
            _ = read(&guest.input, max: 3000)
        }
        for offset in 3088..<4096 { XCTAssertEqual(page[offset], 0x5A, "byte \(offset)") }
    }
}
