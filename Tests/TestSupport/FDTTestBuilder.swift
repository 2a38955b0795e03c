import HypervisorCore

/// Builds flattened device trees in tests (no dtc needed): a node with
/// properties and children, serialised to a version-17 DTB.
public struct TestNode {
    public var name: String
    public var properties: [(String, [UInt8])] = []
    public var children: [TestNode] = []

    public init(_ name: String, _ properties: [(String, [UInt8])] = [], children: [TestNode] = []) {
        self.name = name
        self.properties = properties
        self.children = children
    }

    public static func cells(_ values: UInt32...) -> [UInt8] { values.flatMap(bigEndian) }
    public static func string(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
    public static func strings(_ texts: String...) -> [UInt8] { texts.flatMap { Array($0.utf8) + [0] } }

    /// The DTB bytes. dtc puts the strings block last; `stringsFirst` puts the
    /// structure block at the very end of the blob instead, so that a reader
    /// running off the structure block runs off the buffer.
    public func blob(stringsFirst: Bool = false) -> [UInt8] {
        var structure: [UInt8] = []
        var strings: [UInt8] = []
        var nameOffsets: [String: Int] = [:]
        func emit(_ node: TestNode) {
            structure += bigEndian(1)
            structure += Array(node.name.utf8) + [0]
            pad(&structure)
            for (name, value) in node.properties {
                let offset = nameOffsets[name] ?? {
                    let offset = strings.count
                    strings += Array(name.utf8) + [0]
                    nameOffsets[name] = offset
                    return offset
                }()
                structure += bigEndian(3) + bigEndian(UInt32(value.count)) + bigEndian(UInt32(offset))
                structure += value
                pad(&structure)
            }
            node.children.forEach(emit)
            structure += bigEndian(2)
        }
        emit(self)
        structure += bigEndian(9)
        let reservations = [UInt8](repeating: 0, count: 16)
        let reservationsOffset = 40
        if stringsFirst { while strings.count % 4 != 0 { strings.append(0) } }
        let structureOffset = reservationsOffset + reservations.count + (stringsFirst ? strings.count : 0)
        let stringsOffset = stringsFirst ? reservationsOffset + reservations.count : structureOffset + structure.count
        let total = reservationsOffset + reservations.count + strings.count + structure.count
        var header: [UInt8] = []
        for word in [0xD00D_FEED, total, structureOffset, stringsOffset, reservationsOffset, 17, 16, 0, strings.count, structure.count] {
            header += bigEndian(UInt32(word))
        }
        return header + reservations + (stringsFirst ? strings + structure : structure + strings)
    }
}

public func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

private func pad(_ bytes: inout [UInt8]) {
    while bytes.count % 4 != 0 { bytes.append(0) }
}

/// A small valid configuration: one SEDF VM with UART1.
public func sampleConfigTree(vms: [TestNode]? = nil, scheduler: String = "sedf") -> TestNode {
    TestNode("", [
        ("compatible", TestNode.string("apus,system")),
        ("#address-cells", TestNode.cells(1)),
        ("#size-cells", TestNode.cells(1)),
    ], children: [TestNode("hypervisor", [("scheduler", TestNode.string(scheduler))])] + (vms ?? [sampleVM()]))
}

public func sampleVM(index: Int = 0, physicalBase: UInt32 = 0x8100_0000, sedf: [UInt32] = [10000, 4000, 0],
              devices: [TestNode] = [TestNode("device@1c0a0000", [("reg", TestNode.cells(0x1C0A_0000, 0x1000)),
                                                                   ("interrupts", TestNode.cells(38))])]) -> TestNode {
    TestNode("vm@\(index)", [
        ("compatible", TestNode.string("apus,vm")),
        ("label", TestNode.string(index == 0 ? "rt" : "vm\(index)")),
        ("memory", TestNode.cells(0x8000_0000, 0x40_0000)),
        ("physical-base", TestNode.cells(physicalBase)),
        ("entry", TestNode.cells(0x8000_0000)),
        ("image", TestNode.string("rt.bin")),
        ("bootargs", TestNode.string("role=rt")),
        ("sedf", sedf.flatMap(bigEndian)),
        ("credit", TestNode.cells(256, 0)),
    ], children: devices)
}

/// VM `index` of a test system, 4 MiB each one after another from 0x81000000,
/// SEDF 2 ms every 10 ms, with `devices` and any `extra` properties.
public func stackedVM(_ index: Int, devices: [TestNode] = [], extra: [(String, [UInt8])] = []) -> TestNode {
    var node = sampleVM(index: index, physicalBase: 0x8100_0000 + UInt32(index) * 0x40_0000, sedf: [10000, 2000, 0], devices: devices)
    node.properties += extra
    return node
}

/// The system of `vms` (sampleConfigTree) loaded for `platform`, or why not.
public func loadSampleSystem(_ vms: [TestNode], platform: Platform) -> Result<SystemConfig, ConfigError> {
    sampleConfigTree(vms: vms).blob().withUnsafeBytes { raw -> Result<SystemConfig, ConfigError> in
        do throws(ConfigError) {
            return .success(try SystemConfig.load(dtb: raw, platform: platform).config)
        } catch {
            return .failure(error)
        }
    }
}
