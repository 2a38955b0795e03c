// The property names the configuration uses. An enum rather than strings so
// errors can carry the name without allocating and tests can compare it.

public enum ConfigProperty: UInt8, Equatable, Sendable {
    case compatible, addressCells, sizeCells
    case scheduler, traceEntries, traceFrom
    case label, memory, physicalBase, entry, image, bootargs, sedf, credit
    case reg, interrupts
    case consoleBackend, blockBackend, disk
    case kernel, initramfs, largeImages
    case cpu, vcpus
    case endsRun

    static let count: UInt8 = 25

    public var name: StaticString {
        switch self {
        case .compatible: "compatible"
        case .addressCells: "#address-cells"
        case .sizeCells: "#size-cells"
        case .scheduler: "scheduler"
        case .traceEntries: "trace-entries"
        case .traceFrom: "trace-from"
        case .label: "label"
        case .memory: "memory"
        case .physicalBase: "physical-base"
        case .entry: "entry"
        case .image: "image"
        case .bootargs: "bootargs"
        case .sedf: "sedf"
        case .credit: "credit"
        case .reg: "reg"
        case .interrupts: "interrupts"
        case .consoleBackend: "console-backend"
        case .blockBackend: "block-backend"
        case .disk: "disk"
        case .kernel: "kernel"
        case .initramfs: "initramfs"
        case .largeImages: "large-images"
        case .cpu: "cpu"
        case .vcpus: "vcpus"
        case .endsRun: "ends-run"
        }
    }

    /// The known property called `name`, if any.
    static func named(_ name: FDTSlice, in fdt: FDT) -> ConfigProperty? {
        for raw in 0..<count {
            if let property = ConfigProperty(rawValue: raw), fdt.slice(name, equals: property.name) { return property }
        }
        return nil
    }

    /// Whether the property belongs in a node of this kind.
    func belongs(in kind: ConfigNodeKind) -> Bool {
        switch self {
        case .compatible: kind != .hypervisor  // on a device: what a Linux VM is told it is
        case .addressCells, .sizeCells: kind == .root
        case .scheduler, .traceEntries, .traceFrom, .largeImages: kind == .hypervisor
        case .label, .memory, .physicalBase, .entry, .image, .bootargs, .sedf, .credit, .consoleBackend, .blockBackend, .disk,
             .kernel, .initramfs, .cpu, .vcpus, .endsRun:
            kind == .vm
        case .reg, .interrupts: kind == .device
        }
    }

    /// Properties allowed anywhere: dtc's own (labels referenced by phandle)
    /// and `model`, which only describes.
    static func isBookkeeping(_ name: FDTSlice, in fdt: FDT) -> Bool {
        fdt.slice(name, equals: "phandle") || fdt.slice(name, equals: "linux,phandle") || fdt.slice(name, equals: "model")
    }
}

/// The four kinds of node a configuration has.
enum ConfigNodeKind: Equatable {
    case root, hypervisor, vm, device
}
