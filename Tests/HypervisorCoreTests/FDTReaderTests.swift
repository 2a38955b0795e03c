import HypervisorCore
import TestSupport
import XCTest

final class FDTReaderTests: XCTestCase {
    private func withFDT<T>(_ blob: [UInt8], _ body: (FDT) throws -> T) throws -> T {
        try blob.withUnsafeBytes { raw in try body(try FDT(raw)) }
    }

    private func openError(_ blob: [UInt8]) -> FDTError? {
        blob.withUnsafeBytes { raw -> FDTError? in
            do throws(FDTError) {
                _ = try FDT(raw)
                return nil
            } catch {
                return error
            }
        }
    }

    private func setWord(_ blob: inout [UInt8], _ index: Int, _ value: UInt32) {
        blob.replaceSubrange(index * 4..<(index * 4 + 4), with: bigEndian(value))
    }

    func testIteratesNodesAndProperties() throws {
        let tree = TestNode("", [("model", TestNode.string("test"))], children: [
            TestNode("a", [("x", TestNode.cells(1, 2, 3)), ("y", TestNode.string("hello"))],
                     children: [TestNode("b@10", [("z", [])])]),
            TestNode("c"),
        ])
        try withFDT(tree.blob()) { fdt in
            var names: [String] = []
            var children = fdt.children(of: fdt.root)
            while let child = children.next() { names.append(String(decoding: fdt.bytes(of: child.name), as: UTF8.self)) }
            XCTAssertEqual(names, ["a", "c"])

            let a = try XCTUnwrap(fdt.node(atPath: "/a"))
            var propertyNames: [String] = []
            var properties = fdt.properties(of: a)
            while let property = properties.next() {
                propertyNames.append(String(decoding: fdt.bytes(of: property.name), as: UTF8.self))
            }
            XCTAssertEqual(propertyNames, ["x", "y"])
            let x = try XCTUnwrap(fdt.property("x", of: a))
            XCTAssertEqual(fdt.cellCount(of: x), 3)
            XCTAssertEqual(fdt.cell(2, of: x), 3)
            XCTAssertNil(fdt.cell(3, of: x))
            XCTAssertNil(fdt.string(of: x))
            let y = try XCTUnwrap(fdt.property("y", of: a))
            XCTAssertTrue(fdt.slice(try XCTUnwrap(fdt.string(of: y)), equals: "hello"))

            let b = try XCTUnwrap(fdt.node(atPath: "/a/b@10"))
            XCTAssertTrue(fdt.node(b, isNamed: "b"))
            XCTAssertEqual(fdt.property("z", of: b)?.value.count, 0)
            XCTAssertNil(fdt.node(atPath: "/a/b"))
            XCTAssertNil(fdt.node(atPath: "/missing"))
            XCTAssertEqual(fdt.node(atPath: "/")?.offset, fdt.root.offset)
            XCTAssertEqual(fdt.child("c", of: fdt.root)?.offset, fdt.node(atPath: "/c")?.offset)

            var path = ByteBuffer()
            fdt.writePath(of: b.offset, to: &path)
            XCTAssertEqual(path.text, "/a/b@10")
            var rootPath = ByteBuffer()
            fdt.writePath(of: fdt.root.offset, to: &rootPath)
            XCTAssertEqual(rootPath.text, "/")
        }
    }

    func testStringLists() throws {
        let tree = TestNode("", [("compatible", TestNode.strings("acme,x", "apus,system")), ("bad", [0x61, 0, 0])])
        try withFDT(tree.blob()) { fdt in
            let compatible = try XCTUnwrap(fdt.property("compatible", of: fdt.root))
            XCTAssertTrue(fdt.property(compatible, contains: "apus,system"))
            XCTAssertTrue(fdt.property(compatible, contains: "acme,x"))
            XCTAssertFalse(fdt.property(compatible, contains: "apus"))
            XCTAssertNil(fdt.string(of: compatible), "two strings are not one string")
            let bad = try XCTUnwrap(fdt.property("bad", of: fdt.root))
            XCTAssertNil(fdt.strings(of: bad), "an empty string inside a list is rejected")
        }
    }

    func testHeaderChecks() {
        let good = sampleConfigTree().blob()
        XCTAssertNil(openError(good))
        XCTAssertEqual(openError(Array(good.prefix(39))), .truncated(needed: 40, available: 39))

        var magic = good
        magic[0] = 0
        XCTAssertEqual(openError(magic), .badMagic(found: 0x000D_FEED))

        var total = good
        setWord(&total, 1, UInt32(good.count + 4))
        XCTAssertEqual(openError(total), .truncated(needed: good.count + 4, available: good.count))

        var version = good
        setWord(&version, 5, 16)
        XCTAssertEqual(openError(version), .unsupportedVersion(version: 16, lastCompatible: 16))

        var structure = good
        setWord(&structure, 2, 58)  // misaligned
        XCTAssertEqual(openError(structure), .badBlock(.structure))

        var structureSize = good
        setWord(&structureSize, 9, 0xFFFF_FFF0)
        XCTAssertEqual(openError(structureSize), .badBlock(.structure))

        var strings = good
        setWord(&strings, 8, UInt32(good.count))
        XCTAssertEqual(openError(strings), .badBlock(.strings))

        var reservations = good
        setWord(&reservations, 4, 44)
        XCTAssertEqual(openError(reservations), .badBlock(.memoryReservations))
    }

    func testStructureChecks() {
        var good = TestNode("", children: [TestNode("a", [("p", TestNode.cells(1))])]).blob()
        let structureOffset = 56
        // BEGIN_NODE "" (8 bytes), BEGIN_NODE "a" (8), PROP: length at +20, name offset at +24.
        var length = good
        length.replaceSubrange((structureOffset + 20)..<(structureOffset + 24), with: bigEndian(0x7FFF_FFFF))
        XCTAssertEqual(openError(length), .badStructure(offset: structureOffset + 16))

        var name = good
        name.replaceSubrange((structureOffset + 24)..<(structureOffset + 28), with: bigEndian(1000))
        XCTAssertEqual(openError(name), .badPropertyName(offset: structureOffset + 16))

        var token = good
        token.replaceSubrange((structureOffset + 16)..<(structureOffset + 20), with: bigEndian(7))
        XCTAssertEqual(openError(token), .badStructure(offset: structureOffset + 16))

        // No END token: END (the structure block's last word, before the 2-byte
        // strings block "p\0") becomes a surplus END_NODE.
        let end = good.count - 2
        good.replaceSubrange((end - 4)..<end, with: bigEndian(2))
        XCTAssertEqual(openError(good), .badStructure(offset: end - 4))

        // The same with the structure block last in the blob: the reader must stop
        // at the end of the buffer, not read the word after it.
        var last = TestNode("", children: [TestNode("a", [("p", TestNode.cells(1))])]).blob(stringsFirst: true)
        XCTAssertNil(openError(last))
        last.replaceSubrange((last.count - 4)..<last.count, with: bigEndian(4))  // END becomes NOP
        XCTAssertEqual(openError(last), .badStructure(offset: last.count))
    }

    func testNestingLimit() {
        var node = TestNode("leaf")
        for depth in 0..<FDT.maximumDepth { node = TestNode("n\(depth)", children: [node]) }
        XCTAssertEqual(openError(TestNode("", children: [node]).blob()), .tooDeep(limit: FDT.maximumDepth))
    }

    /// Property test: random corruptions and truncations of a valid blob never
    /// crash or read out of bounds; they either open (and then every accessor,
    /// including the whole configuration reader, works) or return an error.
    func testRandomCorruptionsNeverCrash() {
        var generator = SplitMix64(seed: 0xA9F5)
        let tree = sampleConfigTree(vms: [sampleVM(index: 0), sampleVM(index: 1, physicalBase: 0x8140_0000, devices: [])])
        let layouts = [tree.blob(), tree.blob(stringsFirst: true)]
        XCTAssertNotNil(layouts[1].withUnsafeBytes { try? SystemConfig.read(from: try FDT($0)) })
        var opened = 0, refused = 0
        for round in 0..<6000 {
            var blob = layouts[round / 4 % 2]
            switch round % 4 {
            case 0:  // flip a few random bytes
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    blob[Int(generator.next() % UInt64(blob.count))] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                }
            case 1:  // overwrite a random aligned word with an extreme value
                let word = Int(generator.next() % UInt64(blob.count / 4))
                let values: [UInt32] = [0, 1, 2, 3, 4, 9, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, UInt32(blob.count)]
                blob.replaceSubrange(word * 4..<(word * 4 + 4), with: bigEndian(values[Int(generator.next() % 10)]))
            case 2:  // truncate
                blob = Array(blob.prefix(Int(generator.next() % UInt64(blob.count))))
            default:  // corrupt a header word
                let word = Int(generator.next() % 10)
                blob.replaceSubrange(word * 4..<(word * 4 + 4), with: bigEndian(UInt32(truncatingIfNeeded: generator.next())))
            }
            blob.withUnsafeBytes { raw in
                // Debug builds check every raw-buffer subscript, so an out-of-bounds
                // read here would trap the test rather than pass unnoticed.
                guard let fdt = try? FDT(raw) else { refused += 1; return }
                opened += 1
                exercise(fdt)
                _ = try? SystemConfig.read(from: fdt)
                if let config = try? SystemConfig.read(from: fdt) {
                    _ = try? config.validate(on: .vexpressA15(ramSize: 256 << 20))
                }
            }
        }
        XCTAssertGreaterThan(opened, 100)
        XCTAssertGreaterThan(refused, 100)
    }

    /// Touches every node, property and value, and renders every path.
    private func exercise(_ fdt: FDT) {
        var pending = [fdt.root]
        var visited = 0
        while let node = pending.popLast(), visited < 10_000 {
            visited += 1
            var sink = ByteBuffer()
            fdt.writePath(of: node.offset, to: &sink)
            var properties = fdt.properties(of: node)
            while let property = properties.next() {
                _ = fdt.bytes(of: property.value)
                _ = fdt.string(of: property)
                if var list = fdt.strings(of: property) { while list.next() != nil {} }
                for i in 0..<(fdt.cellCount(of: property) ?? 0) { _ = fdt.cell(i, of: property) }
            }
            var children = fdt.children(of: node)
            while let child = children.next() { pending.append(child) }
        }
    }
}

