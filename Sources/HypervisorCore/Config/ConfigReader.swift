// Reads a configuration blob into a `SystemConfig`, checking the shape of the
// tree and each property on its own (cell counts, strings, alignment, ranges,
// scheduling parameters). Checks that relate properties to each other or to
// the platform are in ConfigValidation.swift. Stops at the first error.

extension SystemConfig {
    /// The longest `bootargs` (without its NUL): it is copied into the last page of guest memory.
    public static let maximumBootargsLength = 4095

    /// Reads the configuration in `fdt` (docs/CONFIG.md).
    public static func read(from fdt: FDT) throws(ConfigError) -> SystemConfig {
        let root = fdt.root
        let reader = ConfigReader(fdt: fdt)
        try reader.checkRoot(root)
        var hypervisor: FDTNode?
        var hypervisors = fdt.children(of: root)
        while let child = hypervisors.next() {
            guard fdt.node(child, isNamed: "hypervisor") else { continue }
            if hypervisor != nil { throw ConfigError(node: child, property: nil, reason: .duplicateHypervisorNode) }
            hypervisor = child
        }
        guard let hypervisor else { throw ConfigError(node: root, property: nil, reason: .missingHypervisorNode) }
        var config = try reader.readHypervisor(hypervisor)
        var children = fdt.children(of: root)
        while let child = children.next() {
            guard child != hypervisor else { continue }
            guard let compatible = fdt.property("compatible", of: child),
                  fdt.property(compatible, contains: "apus,vm") else {
                throw ConfigError(node: child, property: nil, reason: .unknownNode)
            }
            if config.vmCount == SystemConfig.maximumVMs {
                throw ConfigError(node: child, property: nil, reason: .tooManyVMs(limit: SystemConfig.maximumVMs))
            }
            let vm = try reader.readVM(child, scheduler: config.scheduler)
            // Names tell the VMs apart on the console: no two share one.
            for earlier in 0..<config.vmCount where fdt.slice(vm.name, equals: config.vms[earlier].name) {
                throw ConfigError(node: child, property: vm.name == child.name ? nil : .label,
                                  reason: .nameNotUnique(other: config.vms[earlier].node))
            }
            config.vms[config.vmCount] = vm
            config.vmCount += 1
        }
        if config.vmCount == 0 { throw ConfigError(node: root, property: nil, reason: .noVMs) }
        return config
    }
}

struct ConfigReader {
    let fdt: FDT

    func checkRoot(_ root: FDTNode) throws(ConfigError) {
        try allowOnly(root, .root)
        let compatible = try required(.compatible, of: root)
        if !fdt.property(compatible, contains: "apus,system") {
            throw ConfigError(node: root, property: .compatible, reason: .notAnApusSystem)
        }
        try requireOneCell(.addressCells, of: root)
        try requireOneCell(.sizeCells, of: root)
    }

    func readHypervisor(_ node: FDTNode) throws(ConfigError) -> SystemConfig {
        try allowOnly(node, .hypervisor)
        try refuseChildren(of: node)
        let name = try string(of: try required(.scheduler, of: node), .scheduler, in: node)
        let scheduler: SchedulerKind
        if fdt.slice(name, equals: "sedf") {
            scheduler = .sedf
        } else if fdt.slice(name, equals: "credit") {
            scheduler = .credit
        } else {
            throw ConfigError(node: node, property: .scheduler, reason: .unknownScheduler(name))
        }
        var config = SystemConfig(scheduler: scheduler)
        if let property = fdt.property("trace-entries", of: node) {
            let entries = try values(of: property, .traceEntries, in: node, count: 1)[0]
            if entries == 0 { throw ConfigError(node: node, property: .traceEntries, reason: .zeroTraceEntries) }
            if UInt64(widening: entries) > UInt64(clampingNonNegative: SystemConfig.maximumTraceEntries) {
                throw ConfigError(node: node, property: .traceEntries,
                                  reason: .tooManyTraceEntries(entries, limit: SystemConfig.maximumTraceEntries))
            }
            config.traceEntries = entries
        }
        if let property = fdt.property("trace-from", of: node) {
            config.traceFromMilliseconds = try values(of: property, .traceFrom, in: node, count: 1)[0]
        }
        config.largeImages = try largeImagesRegion(of: node)
        config.hypervisorNode = node
        return config
    }

    func readVM(_ node: FDTNode, scheduler: SchedulerKind) throws(ConfigError) -> VMConfig {
        try allowOnly(node, .vm)
        let memory = try region(.memory, of: node)
        // Without physical-base the VM is placed at load time (SystemConfig.placeMemory).
        let placed = fdt.property("physical-base", of: node) != nil
        let physicalBase = placed ? try alignedAddress(.physicalBase, of: node) : 0
        if physicalBase > 0x1_0000_0000 - memory.size {
            throw ConfigError(node: node, property: .physicalBase, reason: .beyond4GiB(base: physicalBase, size: memory.size))
        }
        let guestMemory = GuestPhysicalRange(base: GuestPhysicalAddress(memory.base), size: memory.size)
        if let linux = try linuxVM(node, memory: guestMemory, physicalBase: PhysicalAddress(physicalBase)) {
            return try readVMParameters(node, into: linux, scheduler: scheduler)
        }
        let entry = try values(of: try required(.entry, of: node), .entry, in: node, count: 1)[0]
        var vm = VMConfig(node: node, memory: guestMemory,
                          physicalBase: PhysicalAddress(physicalBase), entry: GuestPhysicalAddress(entry))
        vm.physicalBaseGiven = placed
        vm.image = try string(of: try required(.image, of: node), .image, in: node)
        return try readVMParameters(node, into: vm, scheduler: scheduler)
    }

    /// What every VM may have, whatever it boots: name, bootargs, roles, disk, scheduling, devices.
    func readVMParameters(_ node: FDTNode, into vm: VMConfig, scheduler: SchedulerKind) throws(ConfigError) -> VMConfig {
        var vm = vm
        if !vm.isLinux, vm.image.count > ImagePack.nameCapacity {
            throw ConfigError(node: node, property: .image,
                              reason: .imageNameTooLong(length: vm.image.count, limit: ImagePack.nameCapacity))
        }
        if !vm.isLinux, !isRelativePathInside(vm.image) {
            throw ConfigError(node: node, property: .image, reason: .imagePathOutsideImages)
        }
        if let label = fdt.property("label", of: node) { vm.name = try string(of: label, .label, in: node) }
        try checkName(vm.name, of: node, fromLabel: fdt.property("label", of: node) != nil)
        if let bootargs = fdt.property("bootargs", of: node), bootargs.value.count > 1 {
            vm.bootargs = try string(of: bootargs, .bootargs, in: node)
            if vm.bootargs.count > SystemConfig.maximumBootargsLength {
                throw ConfigError(node: node, property: .bootargs,
                                  reason: .bootargsTooLong(length: vm.bootargs.count, limit: SystemConfig.maximumBootargsLength))
            }
        }
        vm.consoleBackend = try flag(.consoleBackend, of: node)
        vm.blockBackend = try flag(.blockBackend, of: node)
        vm.endsRun = try flag(.endsRun, of: node)
        if let property = fdt.property("disk", of: node) {
            let cells = try values(of: property, .disk, in: node, count: 2)
            let first = UInt64(widening: cells[0]), count = UInt64(widening: cells[1])
            if count == 0 { throw ConfigError(node: node, property: .disk, reason: .emptyDisk) }
            if first + count > 0x1_0000_0000 {
                throw ConfigError(node: node, property: .disk, reason: .diskBeyond32Bits(firstSector: first, sectorCount: count))
            }
            vm.disk = DiskSlice(firstSector: first, sectorCount: count)
        }
        if let property = fdt.property("vcpus", of: node) {
            let count = try values(of: property, .vcpus, in: node, count: 1)[0]
            guard count >= 1, Int(clamping: count) <= VMConfig.maximumVCPUs else {
                throw ConfigError(node: node, property: .vcpus, reason: .vcpuCountOutOfRange(count, limit: VMConfig.maximumVCPUs))
            }
            vm.vcpuCount = Int(count)
        }
        if let property = fdt.property("cpu", of: node) {
            // One cell: every VCPU there; one per VCPU: VCPU n on cell n. Clamped: a
            // 32-bit Int cannot hold every cell; validation refuses it anyway.
            let cells = property.value.count / 4
            guard property.value.count % 4 == 0, cells == 1 || cells == vm.vcpuCount else {
                throw ConfigError(node: node, property: .cpu, reason: .cpuCellCount(foundCells: (property.value.count + 3) / 4, vcpus: vm.vcpuCount))
            }
            for vcpu in 0..<vm.vcpuCount {
                vm.vcpuCPUs[vcpu] = Int(min(fdt.cell(cells == 1 ? 0 : vcpu, of: property) ?? 0, 0xFFFF))
            }
        }
        vm.sedf = try sedfParameters(of: node)
        vm.credit = try creditParameters(of: node)
        if scheduler == .sedf && vm.sedf == nil { throw ConfigError(node: node, property: .sedf, reason: .missingProperty) }
        if scheduler == .credit && vm.credit == nil { throw ConfigError(node: node, property: .credit, reason: .missingProperty) }
        var children = fdt.children(of: node)
        while let child = children.next() {
            if vm.deviceCount == VMConfig.maximumDevices {
                throw ConfigError(node: child, property: nil, reason: .tooManyDevices(limit: VMConfig.maximumDevices))
            }
            vm.devices[vm.deviceCount] = try readDevice(child)
            vm.deviceCount += 1
        }
        return vm
    }

    /// A boolean property: absent, or present and empty.
    func flag(_ name: ConfigProperty, of node: FDTNode) throws(ConfigError) -> Bool {
        guard let flag = fdt.property(name.name, of: node) else { return false }
        guard flag.value.count == 0 else {
            throw ConfigError(node: node, property: name, reason: .notAFlag(bytes: flag.value.count))
        }
        return true
    }

    func readDevice(_ node: FDTNode) throws(ConfigError) -> PassthroughDevice {
        try allowOnly(node, .device)
        try refuseChildren(of: node)
        // Alignment depends on the region (its window size): ConfigValidation checks it.
        let registers = try region(.reg, of: node, alignment: 1)
        var device = PassthroughDevice(node: node, registers: PhysicalRange(base: PhysicalAddress(registers.base), size: registers.size))
        device.linuxBinding = try linuxBinding(of: node)
        guard let interrupts = fdt.property("interrupts", of: node) else { return device }
        guard let count = fdt.cellCount(of: interrupts), count > 0 else {
            throw ConfigError(node: node, property: .interrupts, reason: .wrongCellCount(expected: 1, foundBytes: interrupts.value.count))
        }
        if count > PassthroughDevice.maximumInterrupts {
            throw ConfigError(node: node, property: .interrupts, reason: .tooManyInterrupts(limit: PassthroughDevice.maximumInterrupts))
        }
        for i in 0..<count { device.interrupts[i] = fdt.cell(i, of: interrupts) ?? 0 }
        device.interruptCount = count
        return device
    }

    // MARK: Scheduling parameters (microseconds in the tree, nanoseconds inside).

    func sedfParameters(of node: FDTNode) throws(ConfigError) -> SEDFParameters? {
        guard let property = fdt.property("sedf", of: node) else { return nil }
        let cells = try values(of: property, .sedf, in: node, count: 3)
        let period = cells[0], slice = cells[1], extratime = cells[2]
        func fail(_ reason: ConfigErrorReason) -> ConfigError { ConfigError(node: node, property: .sedf, reason: reason) }
        if period == 0 { throw fail(.zeroPeriod) }
        if slice == 0 { throw fail(.zeroSlice) }
        if slice > period { throw fail(.sliceExceedsPeriod(slice: slice, period: period)) }
        if extratime > 1 { throw fail(.extratimeNotFlag(extratime)) }
        return SEDFParameters(period: .microseconds(UInt64(widening: period)), slice: .microseconds(UInt64(widening: slice)),
                              extratime: extratime == 1)
    }

    func creditParameters(of node: FDTNode) throws(ConfigError) -> CreditParameters? {
        guard let property = fdt.property("credit", of: node) else { return nil }
        let cells = try values(of: property, .credit, in: node, count: 2)
        if cells[0] < 1 || cells[0] > 65535 {
            throw ConfigError(node: node, property: .credit, reason: .weightOutOfRange(cells[0]))
        }
        if cells[1] > 100 { throw ConfigError(node: node, property: .credit, reason: .capOutOfRange(cells[1])) }
        return CreditParameters(weight: cells[0], cap: cells[1])
    }

    // MARK: Names and paths.

    /// Nodes that take no children (the hypervisor node, devices): a child would
    /// otherwise be ignored silently, like an unknown property.
    func refuseChildren(of node: FDTNode) throws(ConfigError) {
        var children = fdt.children(of: node)
        if let child = children.next() { throw ConfigError(node: child, property: nil, reason: .childNodeOfLeaf) }
    }

    /// A VM's name is shown on the console and in reports: 1 to 31 characters
    /// from a set with no space, bracket, colon or control character, so that no
    /// name can pass for another line's prefix. A label uses [A-Za-z0-9_-]; a node
    /// name (the default) may also have dtc's `,` `.` `+` `@`.
    func checkName(_ name: FDTSlice, of node: FDTNode, fromLabel: Bool) throws(ConfigError) {
        let bytes = fdt.bytes(of: name)
        var safe = bytes.count >= 1 && bytes.count <= SystemConfig.maximumNameLength
        for byte in bytes where safe {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): break
            case UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "@"): safe = !fromLabel
            default: safe = false
            }
        }
        if !safe {
            throw ConfigError(node: node, property: fromLabel ? .label : nil,
                              reason: .unsafeName(length: bytes.count, limit: SystemConfig.maximumNameLength, fromLabel: fromLabel))
        }
    }

    /// `image` stays inside the images folder on the host: relative, and no part
    /// of it empty, `.` or `..`.
    func isRelativePathInside(_ path: FDTSlice) -> Bool {
        let bytes = fdt.bytes(of: path)
        var partStart = 0
        for index in 0...bytes.count {
            guard index == bytes.count || bytes[index] == UInt8(ascii: "/") else { continue }
            let length = index - partStart
            if length == 0 { return false }
            if length <= 2 {
                var dots = true
                for i in partStart..<index where bytes[i] != UInt8(ascii: ".") { dots = false }
                if dots { return false }
            }
            partStart = index + 1
        }
        return true
    }

    // MARK: Property shapes.

    /// Rejects properties that do not belong in this kind of node (typos would
    /// otherwise be silently ignored).
    func allowOnly(_ node: FDTNode, _ kind: ConfigNodeKind) throws(ConfigError) {
        var properties = fdt.properties(of: node)
        while let property = properties.next() {
            if ConfigProperty.isBookkeeping(property.name, in: fdt) { continue }
            guard let known = ConfigProperty.named(property.name, in: fdt), known.belongs(in: kind) else {
                throw ConfigError(node: node, property: nil, reason: .unknownProperty(property.name))
            }
        }
    }

    /// `#address-cells` and `#size-cells` must be 1: addresses and sizes are one 32-bit cell.
    func requireOneCell(_ name: ConfigProperty, of root: FDTNode) throws(ConfigError) {
        let cells = try values(of: try required(name, of: root), name, in: root, count: 1)
        if cells[0] != 1 { throw ConfigError(node: root, property: name, reason: .unsupportedCells(found: cells[0])) }
    }

    func required(_ name: ConfigProperty, of node: FDTNode) throws(ConfigError) -> FDTProperty {
        guard let property = fdt.property(name.name, of: node) else {
            throw ConfigError(node: node, property: name, reason: .missingProperty)
        }
        return property
    }

    /// Exactly `count` (at most 3) cells.
    func values(of property: FDTProperty, _ name: ConfigProperty, in node: FDTNode, count: Int) throws(ConfigError)
        -> InlineArray<3, UInt32> {
        guard property.value.count == count * 4 else {
            throw ConfigError(node: node, property: name, reason: .wrongCellCount(expected: count, foundBytes: property.value.count))
        }
        var cells = InlineArray<3, UInt32>(repeating: 0)
        for i in 0..<count { cells[i] = fdt.cell(i, of: property) ?? 0 }
        return cells
    }

    func string(of property: FDTProperty, _ name: ConfigProperty, in node: FDTNode) throws(ConfigError) -> FDTSlice {
        guard let text = fdt.string(of: property) else { throw ConfigError(node: node, property: name, reason: .notAString) }
        return text
    }

    /// `<base size>`: both multiples of `alignment` (4 KiB unless told), size
    /// non-zero, ending at or below 4 GiB.
    func region(_ name: ConfigProperty, of node: FDTNode, alignment: UInt64 = PageSize.small) throws(ConfigError)
        -> (base: UInt64, size: UInt64) {
        let cells = try values(of: try required(name, of: node), name, in: node, count: 2)
        let base = UInt64(widening: cells[0]), size = UInt64(widening: cells[1])
        if base % alignment != 0 { throw ConfigError(node: node, property: name, reason: .misaligned(base)) }
        if size == 0 { throw ConfigError(node: node, property: name, reason: .emptyRegion) }
        if size % alignment != 0 { throw ConfigError(node: node, property: name, reason: .misaligned(size)) }
        if base + size > 0x1_0000_0000 { throw ConfigError(node: node, property: name, reason: .beyond4GiB(base: base, size: size)) }
        return (base, size)
    }

    func alignedAddress(_ name: ConfigProperty, of node: FDTNode) throws(ConfigError) -> UInt64 {
        let address = UInt64(widening: try values(of: try required(name, of: node), name, in: node, count: 1)[0])
        if address % PageSize.small != 0 { throw ConfigError(node: node, property: name, reason: .misaligned(address)) }
        return address
    }
}
