// What a bootloader's device tree (the DTB in r2 at entry) says about the
// machine: RAM, the GIC's four frames and its maintenance interrupt, the
// generic timer's interrupts and clock-frequency, the stdout-path UART and
// PSCI. Read with the core's FDT reader, then checked against the platform
// the hypervisor was built for (BootTreeCheck.swift). Nodes are found by
// `compatible` or `device_type` at any depth; `reg` addresses are translated
// through the parents' `ranges` to physical addresses.

public enum PSCIMethod: Equatable, Sendable {
    case smc, hvc, other
}

/// The facts found; nil where the tree does not say.
public struct BootTreeFacts: Equatable, Sendable {
    /// Up to four RAM ranges (`device_type = "memory"` nodes' `reg`).
    public var memory = InlineArray<4, PhysicalRange>(repeating: PhysicalRange(base: PhysicalAddress(UInt64(0)), size: 0))
    public var memoryCount = 0
    /// GICD, GICC, GICH, GICV (an `arm,cortex-a15-gic`, `arm,gic-400` or
    /// `arm,cortex-a7-gic` node's first four `reg` entries).
    public var gicFrames = InlineArray<4, PhysicalAddress?>(repeating: nil)
    public var maintenanceInterrupt: UInt32?
    /// The `arm,armv7-timer` node's non-secure physical, virtual and hyp timer INTIDs.
    public var physicalTimerInterrupt: UInt32?
    public var virtualTimerInterrupt: UInt32?
    public var hypTimerInterrupt: UInt32?
    public var timerFrequency: UInt64?
    /// The base of the UART `/chosen/stdout-path` names.
    public var console: PhysicalAddress?
    /// The PSCI node's method, nil when there is no PSCI node.
    public var psci: PSCIMethod?

    public init() {}

    public static func == (a: Self, b: Self) -> Bool {
        guard a.memoryCount == b.memoryCount else { return false }
        for i in 0..<a.memoryCount where a.memory[i] != b.memory[i] { return false }
        for i in 0..<4 where a.gicFrames[i] != b.gicFrames[i] { return false }
        return a.maintenanceInterrupt == b.maintenanceInterrupt && a.physicalTimerInterrupt == b.physicalTimerInterrupt
            && a.virtualTimerInterrupt == b.virtualTimerInterrupt && a.hypTimerInterrupt == b.hypTimerInterrupt
            && a.timerFrequency == b.timerFrequency && a.console == b.console && a.psci == b.psci
    }
}

extension BootTreeFacts {
    /// Reads the facts of `fdt`.
    public init(reading fdt: FDT) {
        self.init()
        var ancestors = BootTreeAncestors()
        visit(fdt.root, in: fdt, ancestors: &ancestors)
        if let chosen = fdt.node(atPath: "/chosen"), let path = fdt.property("stdout-path", of: chosen),
           let text = fdt.string(of: path) {
            console = BootTreeFacts.uartBase(named: text, in: fdt)
        }
    }

    private mutating func visit(_ node: FDTNode, in fdt: FDT, ancestors: inout BootTreeAncestors) {
        let cells = ancestors.cells
        if let type = fdt.property("device_type", of: node), fdt.property(type, contains: "memory"),
           let reg = fdt.property("reg", of: node) {
            var index = 0
            while memoryCount < 4, let range = ancestors.range(index, of: reg, in: fdt) {
                memory[memoryCount] = range
                memoryCount += 1
                index += 1
            }
        }
        if let compatible = fdt.property("compatible", of: node) {
            if fdt.property(compatible, contains: "arm,cortex-a15-gic") || fdt.property(compatible, contains: "arm,gic-400")
                || fdt.property(compatible, contains: "arm,cortex-a7-gic") {
                if let reg = fdt.property("reg", of: node) {
                    for i in 0..<4 { gicFrames[i] = ancestors.range(i, of: reg, in: fdt)?.base }
                }
                maintenanceInterrupt = BootTreeFacts.interrupt(0, of: fdt.property("interrupts", of: node), in: fdt)
            }
            if fdt.property(compatible, contains: "arm,armv7-timer") {
                let interrupts = fdt.property("interrupts", of: node)
                physicalTimerInterrupt = BootTreeFacts.interrupt(1, of: interrupts, in: fdt)
                virtualTimerInterrupt = BootTreeFacts.interrupt(2, of: interrupts, in: fdt)
                hypTimerInterrupt = BootTreeFacts.interrupt(3, of: interrupts, in: fdt)
                if let frequency = fdt.property("clock-frequency", of: node), let value = fdt.cell(0, of: frequency) {
                    timerFrequency = UInt64(widening: value)
                }
            }
            if fdt.property(compatible, contains: "arm,psci") || fdt.property(compatible, contains: "arm,psci-0.2")
                || fdt.property(compatible, contains: "arm,psci-1.0") {
                if let method = fdt.property("method", of: node), let text = fdt.string(of: method) {
                    psci = fdt.slice(text, equals: "smc") ? .smc : fdt.slice(text, equals: "hvc") ? .hvc : .other
                } else {
                    psci = .other
                }
            }
        }
        guard ancestors.push(node, in: fdt, parentCells: cells) else { return }
        var children = fdt.children(of: node)
        while let child = children.next() { visit(child, in: fdt, ancestors: &ancestors) }
        ancestors.pop()
    }

    /// The INTID of the `index`th three-cell GIC specifier of `interrupts`
    /// (type 0 SPI: 32 + n, type 1 PPI: 16 + n).
    static func interrupt(_ index: Int, of interrupts: FDTProperty?, in fdt: FDT) -> UInt32? {
        guard let interrupts, let type = fdt.cell(index * 3, of: interrupts),
              let number = fdt.cell(index * 3 + 1, of: interrupts), number < 1024 else { return nil }
        switch type {
        case 0: return 32 + number
        case 1: return 16 + number
        default: return nil
        }
    }

    /// The UART `stdout-path` names: a path (`/pl011@9000000`) or an alias
    /// (`serial0`), either with `:options` after it.
    static func uartBase(named text: FDTSlice, in fdt: FDT) -> PhysicalAddress? {
        var length = 0
        while length < text.count, fdt.bytes[text.offset + length] != 0x3A { length += 1 }  // ":"
        var path = FDTSlice(offset: text.offset, count: length)
        if length > 0, fdt.bytes[text.offset] != 0x2F {  // not "/": an alias
            guard let aliases = fdt.node(atPath: "/aliases") else { return nil }
            var found: FDTSlice?
            var iterator = fdt.properties(of: aliases)
            while let alias = iterator.next() {
                if fdt.slice(alias.name, equals: path), let value = fdt.string(of: alias) { found = value }
            }
            guard let found else { return nil }
            path = found
        }
        var ancestors = BootTreeAncestors()
        return find(path, from: 1, at: fdt.root, in: fdt, ancestors: &ancestors)
    }

    /// Walks `path` (from byte `start`, just after a "/") down from `node`;
    /// the first `reg` address of the node it names, translated.
    private static func find(_ path: FDTSlice, from start: Int, at node: FDTNode, in fdt: FDT,
                             ancestors: inout BootTreeAncestors) -> PhysicalAddress? {
        let cells = ancestors.cells
        if start >= path.count {
            guard let reg = fdt.property("reg", of: node) else { return nil }
            return ancestors.range(0, of: reg, in: fdt)?.base
        }
        var stop = start
        while stop < path.count, fdt.bytes[path.offset + stop] != 0x2F { stop += 1 }
        let component = FDTSlice(offset: path.offset + start, count: stop - start)
        guard ancestors.push(node, in: fdt, parentCells: cells) else { return nil }
        defer { ancestors.pop() }
        var children = fdt.children(of: node)
        while let child = children.next() {
            if fdt.slice(child.name, equals: component) {
                return find(path, from: stop + 1, at: child, in: fdt, ancestors: &ancestors)
            }
        }
        return nil
    }
}

/// The chain of nodes above the one being read, with what is needed to turn
/// its `reg` into physical addresses: each level's #address-cells and
/// #size-cells and its `ranges`.
struct BootTreeAncestors {
    struct Level {
        var node: FDTNode
        /// The cells this node's children use.
        var childCells: (address: Int, size: Int)
        /// The cells this node's own `reg`/`ranges` parent side uses.
        var parentCells: (address: Int, size: Int)
    }

    private var levels = InlineArray<16, Level>(repeating: Level(node: .none, childCells: (2, 1), parentCells: (2, 1)))
    private var depth = 0

    /// The cells a child of the innermost node uses (the root's defaults: 2 and 1).
    var cells: (address: Int, size: Int) { depth == 0 ? (2, 1) : levels[depth - 1].childCells }

    mutating func push(_ node: FDTNode, in fdt: FDT, parentCells: (address: Int, size: Int)) -> Bool {
        guard depth < 16 else { return false }
        func count(_ name: StaticString, default value: Int) -> Int {
            guard let property = fdt.property(name, of: node), let cell = fdt.cell(0, of: property), cell <= 4 else { return value }
            return Int(cell)
        }
        levels[depth] = Level(node: node, childCells: (count("#address-cells", default: 2), count("#size-cells", default: 1)),
                              parentCells: parentCells)
        depth += 1
        return true
    }

    mutating func pop() { depth -= 1 }

    /// Entry `index` of a `reg` value of a child of the innermost node, as a
    /// physical range (translated through every ancestor's `ranges`).
    func range(_ index: Int, of reg: FDTProperty, in fdt: FDT) -> PhysicalRange? {
        let cells = self.cells
        let stride = cells.address + cells.size
        guard stride > 0, let base = Self.number(fdt, reg, at: index * stride, cells: cells.address),
              let size = Self.number(fdt, reg, at: index * stride + cells.address, cells: cells.size) else { return nil }
        var address = base
        // Innermost parent first: its `ranges` maps its children's addresses to its parent's.
        var level = depth - 1
        while level > 0 {
            guard let translated = translate(address, through: levels[level], in: fdt) else { return nil }
            address = translated
            level -= 1
        }
        return PhysicalRange(base: PhysicalAddress(address), size: size)
    }

    /// `address` (a child address of `level`'s node) in `level`'s parent's
    /// space; an empty or absent `ranges` is the identity (as U-Boot and Linux treat it).
    private func translate(_ address: UInt64, through level: Level, in fdt: FDT) -> UInt64? {
        guard let ranges = fdt.property("ranges", of: level.node), ranges.value.count > 0 else { return address }
        let child = level.childCells.address, parent = level.parentCells.address, size = level.childCells.size
        let stride = child + parent + size
        guard stride > 0, let cellCount = fdt.cellCount(of: ranges) else { return nil }
        var entry = 0
        while (entry + 1) * stride <= cellCount {
            if let childBase = Self.number(fdt, ranges, at: entry * stride, cells: child),
               let parentBase = Self.number(fdt, ranges, at: entry * stride + child, cells: parent),
               let length = Self.number(fdt, ranges, at: entry * stride + child + parent, cells: size),
               address >= childBase, address - childBase < length {
                return parentBase &+ (address - childBase)
            }
            entry += 1
        }
        return nil
    }

    /// `cells` cells (0 to 2 used; more: the low two) from cell `index`, big-endian.
    static func number(_ fdt: FDT, _ property: FDTProperty, at index: Int, cells: Int) -> UInt64? {
        var value: UInt64 = 0
        for i in 0..<cells {
            guard let cell = fdt.cell(index + i, of: property) else { return nil }
            value = value &<< 32 | UInt64(widening: cell)
        }
        return value
    }
}
