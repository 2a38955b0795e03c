// Every way a configuration can be wrong, with the numbers a person needs to
// fix it, and the words for each (one place, shared by host and hypervisor).

public enum ConfigErrorReason: Equatable, Sendable {
    // The blob and the overall shape.
    case malformedTree(FDTError)
    case notAnApusSystem
    case unsupportedCells(found: UInt32)
    case missingHypervisorNode
    case duplicateHypervisorNode
    case noVMs
    case tooManyVMs(limit: Int)
    case unknownNode
    case unknownProperty(FDTSlice)
    case missingProperty
    case wrongCellCount(expected: Int, foundBytes: Int)
    case notAString
    case unknownScheduler(FDTSlice)
    case zeroTraceEntries
    case vcpuCountOutOfRange(UInt32, limit: Int)
    case cpuCellCount(foundCells: Int, vcpus: Int)
    case tooManyVCPUs(total: Int, limit: Int)
    case tooManyDevices(limit: Int)
    case tooManyInterrupts(limit: Int)
    case bootargsTooLong(length: Int, limit: Int)
    case imageNameTooLong(length: Int, limit: Int)
    // Addresses and ranges.
    case misaligned(UInt64)
    case emptyRegion
    case beyond4GiB(base: UInt64, size: UInt64)
    case outsideRAM(PhysicalRange, ram: PhysicalRange)
    case insideHypervisor(PhysicalRange, reserved: PhysicalRange)
    case overlapsVMMemory(PhysicalRange, other: FDTNode, otherRange: PhysicalRange)
    case overlapsDeviceRegion(PhysicalRange, region: DeviceRegion)
    case entryOutsideMemory(GuestPhysicalAddress, memory: GuestPhysicalRange)
    case overlapsOwnDevice(GuestPhysicalRange, device: FDTNode, deviceRange: GuestPhysicalRange)
    case overlapsVirtualGIC(GuestPhysicalRange, gic: GuestPhysicalRange)
    case overlapsGrantWindow(GuestPhysicalRange, window: GuestPhysicalRange)
    case notAssignable(PhysicalRange, platform: PlatformKind)
    case deviceAlreadyAssigned(PhysicalRange, other: FDTNode, otherRange: PhysicalRange)
    case interruptNotSPI(UInt32, first: UInt32, last: UInt32)
    case interruptNotOfDevice(UInt32, region: DeviceRegion)
    case interruptAlreadyAssigned(UInt32, other: FDTNode)
    // Sub-page device windows (the virtio-mmio transports).
    case notWholeWindows(PhysicalRange, region: DeviceRegion)
    case interruptOfOtherWindow(UInt32, registers: PhysicalRange, region: DeviceRegion)
    // Block devices.
    case secondBlockBackend(first: FDTNode)
    case blockBackendWithoutVirtio
    case emptyDisk
    case diskBeyond32Bits(firstSector: UInt64, sectorCount: UInt64)
    case diskWithoutBlockBackend
    case diskOnBlockBackend
    case diskOverlaps(DiskSlice, other: FDTNode, otherSlice: DiskSlice)
    // Scheduling parameters.
    case zeroPeriod
    case zeroSlice
    case sliceExceedsPeriod(slice: UInt32, period: UInt32)
    case extratimeNotFlag(UInt32)
    case notAFlag(bytes: Int)
    case secondConsoleBackend(first: FDTNode)
    /// Two VMs with `ends-run`: the run has one end.
    case secondRunEnder(first: FDTNode)
    case overloaded
    /// A VCPU on a CPU the machine does not have (the platform's or SMP's CPUs: 0 ..< cpus).
    case cpuNotPresent(vcpu: Int, cpu: Int, cpus: Int)
    /// The SEDF reservations on one CPU add up to more than that CPU.
    case cpuOverloaded(vcpu: Int, cpu: Int)
    case utilizationNotRepresentable
    case periodBelowMinimum(period: UInt32, minimum: UInt32)
    case sliceBelowMinimum(slice: UInt32, minimum: UInt32)
    case weightOutOfRange(UInt32)
    case capOutOfRange(UInt32)
    // Guest images.
    case imageNotFound(FDTSlice)
    case imageTooLarge(size: Int, limit: UInt64)
    case imageWithoutHeader
    case imageLinkedElsewhere(loadAddress: UInt32, memory: GuestPhysicalRange)
    case imageFootprintBelowSize(footprint: UInt64, size: Int)
    case imageRunsIntoReservedPages(GuestPhysicalRange, reserved: GuestPhysicalRange)
    case imagePathOutsideImages
    // What the boot relies on (reserved pages, table storage, the trace ring, names).
    case memoryTooSmall(size: UInt64, reserved: UInt64)
    case entryMisaligned(GuestPhysicalAddress)
    case entryInReservedPages(GuestPhysicalAddress, reserved: GuestPhysicalRange)
    case entryOutsideImage(GuestPhysicalAddress, image: GuestPhysicalRange)
    case stage2TablesExceedRegion(vmPages: Int, totalPages: Int, regionPages: Int)
    case tooManyTraceEntries(UInt32, limit: Int)
    case unsafeName(length: Int, limit: Int, fromLabel: Bool)
    case nameNotUnique(other: FDTNode)
    case childNodeOfLeaf
    // Linux VMs and the large-image pack (LinuxConfigProblem.swift).
    case linux(LinuxConfigProblem)

    public func write<Sink: TextSink>(to sink: inout Sink, fdt: FDT?) {
        switch self {
        case .malformedTree(let error):
            sink.write("invalid device tree: ")
            error.write(to: &sink)
        case .notAnApusSystem:
            sink.write("root node must have compatible = \"apus,system\"")
        case .unsupportedCells(let found):
            sink.write("must be 1 (one 32-bit cell per address and size), found ")
            sink.write(decimal: found)
        case .missingHypervisorNode:
            sink.write("no hypervisor node")
        case .duplicateHypervisorNode:
            sink.write("more than one hypervisor node")
        case .noVMs:
            sink.write("no VM nodes (compatible = \"apus,vm\")")
        case .tooManyVMs(let limit):
            sink.write("more than ")
            sink.write(count: limit)
            sink.write(" VMs")
        case .unknownNode:
            sink.write("unknown node (expected hypervisor or a VM with compatible = \"apus,vm\")")
        case .unknownProperty(let name):
            sink.write("unknown property \"")
            if let fdt { sink.write(name, of: fdt) }
            sink.write("\"")
        case .missingProperty:
            sink.write("missing")
        case .wrongCellCount(let expected, let foundBytes):
            sink.write("expected ")
            sink.write(count: expected)
            sink.write(expected == 1 ? " cell (4 bytes), found " : " cells, found ")
            sink.write(count: foundBytes)
            sink.write(" bytes")
        case .notAString:
            sink.write("must be one non-empty string")
        case .unknownScheduler(let value):
            sink.write("unknown scheduler \"")
            if let fdt { sink.write(value, of: fdt) }
            sink.write("\" (expected \"sedf\" or \"credit\")")
        case .zeroTraceEntries:
            sink.write("must be greater than zero")
        case .cpuCellCount(let foundCells, let vcpus):
            sink.write("has ")
            sink.write(count: foundCells)
            sink.write(foundCells == 1 ? " cell" : " cells")
            sink.write("; give one (every VCPU on that CPU) or one per VCPU (")
            sink.write(count: vcpus)
            sink.write(")")
        case .tooManyVCPUs(let total, let limit):
            sink.write("the VMs up to this one have ")
            sink.write(count: total)
            sink.write(" VCPUs; the hypervisor schedules at most ")
            sink.write(count: limit)
        case .vcpuCountOutOfRange(let count, let limit):
            sink.write("is ")
            sink.write(decimal: count)
            sink.write("; this hypervisor gives a VM 1 to ")
            sink.write(count: limit)
            sink.write(" VCPUs")
        case .tooManyDevices(let limit):
            sink.write("more than ")
            sink.write(count: limit)
            sink.write(" passthrough devices")
        case .tooManyInterrupts(let limit):
            sink.write("more than ")
            sink.write(count: limit)
            sink.write(" interrupts")
        case .bootargsTooLong(let length, let limit):
            sink.write("is ")
            sink.write(count: length)
            sink.write(" bytes long, at most ")
            sink.write(count: limit)
            sink.write(" fit in the page it is copied to (with what the hypervisor appends for this VM's roles)")
        case .imageNameTooLong(let length, let limit):
            sink.write("name is ")
            sink.write(count: length)
            sink.write(" bytes long, the image pack allows ")
            sink.write(count: limit)
        case .linux(let problem):
            problem.write(to: &sink, fdt: fdt)
        default:
            writeAddressOrSchedulingReason(to: &sink, fdt: fdt)
        }
    }

    private func writeAddressOrSchedulingReason<Sink: TextSink>(to sink: inout Sink, fdt: FDT?) {
        switch self {
        case .misaligned(let value):
            sink.write(address: value)
            sink.write(" is not a multiple of 4 KiB")
        case .emptyRegion:
            sink.write("size must not be zero")
        case .beyond4GiB(let base, let size):
            sink.write(address: base)
            sink.write(" + ")
            sink.write(address: size)
            sink.write(" ends beyond 4 GiB")
        case .outsideRAM(let range, let ram):
            sink.write("memory at physical ")
            sink.write(range)
            sink.write(" is not inside RAM (")
            sink.write(ram)
            sink.write(")")
        case .insideHypervisor(let range, let reserved):
            sink.write("memory at physical ")
            sink.write(range)
            sink.write(" overlaps the hypervisor's reserved RAM (")
            sink.write(reserved)
            sink.write(")")
        case .overlapsVMMemory(let range, let other, let otherRange):
            sink.write("memory at physical ")
            sink.write(range)
            sink.write(" overlaps ")
            sink.write(node: other, fdt: fdt)
            sink.write(" (")
            sink.write(otherRange)
            sink.write(")")
        case .overlapsDeviceRegion(let range, let region):
            sink.write("memory at physical ")
            sink.write(range)
            sink.write(" overlaps device ")
            sink.write(region.name)
            sink.write(" (")
            sink.write(region.range)
            sink.write(")")
        case .entryOutsideMemory(let entry, let memory):
            sink.write(address: entry.value)
            sink.write(" is not inside the VM's memory (")
            sink.write(memory)
            sink.write(")")
        case .overlapsOwnDevice(let range, let device, let deviceRange):
            sink.write("guest memory ")
            sink.write(range)
            sink.write(" overlaps the VM's device ")
            sink.write(node: device, fdt: fdt)
            sink.write(" (")
            sink.write(deviceRange)
            sink.write(")")
        case .overlapsVirtualGIC(let range, let gic):
            sink.write("guest memory ")
            sink.write(range)
            sink.write(" overlaps the virtual GIC (")
            sink.write(gic)
            sink.write(")")
        case .overlapsGrantWindow(let range, let window):
            sink.write("guest memory ")
            sink.write(range)
            sink.write(" overlaps the grant window (")
            sink.write(window)
            sink.write("), where pages other VMs grant are mapped")
        case .notAssignable(let range, let platform):
            sink.write(range)
            sink.write(" is not inside an assignable device region of platform ")
            sink.write(platform.name)
        case .deviceAlreadyAssigned(let range, let other, let otherRange):
            sink.write("device ")
            sink.write(range)
            sink.write(" is already given to ")
            sink.write(node: other, fdt: fdt)
            sink.write(" (")
            sink.write(otherRange)
            sink.write(")")
        case .interruptNotSPI(let interrupt, let first, let last):
            sink.write("interrupt ")
            sink.write(decimal: interrupt)
            sink.write(" is not a shared peripheral interrupt (")
            sink.write(decimal: first)
            sink.write("..")
            sink.write(decimal: last)
            sink.write(")")
        case .interruptNotOfDevice(let interrupt, let region):
            sink.write("interrupt ")
            sink.write(decimal: interrupt)
            sink.write(" is not raised by ")
            sink.write(region.name)
            sink.write(" (")
            sink.write(decimal: region.firstInterrupt)
            if region.interruptCount > 1 {
                sink.write("..")
                sink.write(decimal: region.firstInterrupt &+ region.interruptCount &- 1)
            }
            sink.write(")")
        case .interruptAlreadyAssigned(let interrupt, let other):
            sink.write("interrupt ")
            sink.write(decimal: interrupt)
            sink.write(" is already given to ")
            sink.write(node: other, fdt: fdt)
        case .zeroPeriod:
            sink.write("period must be greater than zero")
        case .zeroSlice:
            sink.write("slice must be greater than zero")
        case .sliceExceedsPeriod(let slice, let period):
            sink.write("slice ")
            sink.write(decimal: slice)
            sink.write(" us exceeds period ")
            sink.write(decimal: period)
            sink.write(" us")
        case .notAFlag(let bytes):
            sink.write("is a flag and takes no value (found ")
            sink.write(count: bytes)
            sink.write(" bytes)")
        case .secondConsoleBackend(let first):
            sink.write("only one VM may be the console backend; ")
            sink.write(node: first, fdt: fdt)
            sink.write(" already is")
        case .secondRunEnder(let first):
            sink.write("only one VM may end the run; ")
            sink.write(node: first, fdt: fdt)
            sink.write(" already does")
        case .extratimeNotFlag(let value):
            sink.write("extratime must be 0 or 1, found ")
            sink.write(decimal: value)
        case .overloaded:
            sink.write("admission refused: the sum of slice/period over this and the earlier VMs exceeds 1")
        case .cpuNotPresent(let vcpu, let cpu, let cpus):
            sink.write("VCPU ")
            sink.write(decimal: UInt32(truncatingIfNeeded: vcpu))
            sink.write(" is on CPU ")
            sink.write(decimal: UInt32(truncatingIfNeeded: cpu))
            sink.write(", but the machine runs CPUs 0 to ")
            sink.write(decimal: UInt32(truncatingIfNeeded: cpus - 1))
            sink.write(" (the platform's and SMP's)")
        case .cpuOverloaded(let vcpu, let cpu):
            sink.write("admission refused on CPU ")
            sink.write(decimal: UInt32(truncatingIfNeeded: cpu))
            sink.write(": with VCPU ")
            sink.write(decimal: UInt32(truncatingIfNeeded: vcpu))
            sink.write(" the sum of slice/period of the VCPUs on CPU ")
            sink.write(decimal: UInt32(truncatingIfNeeded: cpu))
            sink.write(" exceeds 1")
        case .utilizationNotRepresentable:
            sink.write("admission refused: utilization sum too large to compute exactly")
        case .periodBelowMinimum(let period, let minimum):
            sink.write("admission refused: period ")
            sink.write(decimal: period)
            sink.write(" us is below the minimum of ")
            sink.write(decimal: minimum)
            sink.write(" us (the hypervisor spends up to 20 us on the two scheduling events of each period)")
        case .sliceBelowMinimum(let slice, let minimum):
            sink.write("admission refused: slice ")
            sink.write(decimal: slice)
            sink.write(" us is below the minimum of ")
            sink.write(decimal: minimum)
            sink.write(" us (the hypervisor's 20 us per period must stay within a tenth of the slice)")
        case .weightOutOfRange(let weight):
            sink.write("weight ")
            sink.write(decimal: weight)
            sink.write(" is not in 1..65535")
        case .capOutOfRange(let cap):
            sink.write("cap ")
            sink.write(decimal: cap)
            sink.write(" is not in 0..100 (percent of one CPU, 0 = no cap)")
        case .imageNotFound(let name):
            sink.write("image \"")
            if let fdt { sink.write(name, of: fdt) }
            sink.write("\" not found")
        case .imageTooLarge(let size, let limit):
            sink.write("image is ")
            sink.write(count: size)
            sink.write(" bytes, the VM's memory holds ")
            sink.write(decimal: limit)
            sink.write(" below the 20 KiB Apus reserves at its end (bootargs, grant table, rings)")
        default:
            writeDeviceWindowOrDiskReason(to: &sink, fdt: fdt)
        }
    }

    private func writeDeviceWindowOrDiskReason<Sink: TextSink>(to sink: inout Sink, fdt: FDT?) {
        switch self {
        case .notWholeWindows(let range, let region):
            sink.write(range)
            sink.write(" is not made of whole ")
            sink.write(decimal: region.windowSize)
            sink.write("-byte windows of ")
            sink.write(region.name)
            sink.write(" (")
            sink.write(region.range)
            sink.write(")")
        case .interruptOfOtherWindow(let interrupt, let registers, let region):
            sink.write("interrupt ")
            sink.write(decimal: interrupt)
            sink.write(" is raised by another window of ")
            sink.write(region.name)
            let own = region.interrupts(within: registers)
            sink.write("; ")
            sink.write(registers)
            sink.write(" raises ")
            sink.write(decimal: own.first)
            if own.count > 1 {
                sink.write("..")
                sink.write(decimal: own.first &+ own.count &- 1)
            }
        case .secondBlockBackend(let first):
            sink.write("only one VM may be the block backend; ")
            sink.write(node: first, fdt: fdt)
            sink.write(" already is")
        case .blockBackendWithoutVirtio:
            sink.write("the block backend must own a virtio-mmio transport (a device in 0x1c130000-0x1c130fff)")
        case .emptyDisk:
            sink.write("sector count must be greater than zero")
        case .diskBeyond32Bits(let first, let count):
            sink.write("sectors ")
            sink.write(decimal: first)
            sink.write(" + ")
            sink.write(decimal: count)
            sink.write(" end beyond 2^32 sectors")
        case .diskWithoutBlockBackend:
            sink.write("a disk needs a block backend (a VM with block-backend;) and there is none")
        case .diskOnBlockBackend:
            sink.write("the block backend owns the whole disk and takes no slice of it")
        case .diskOverlaps(let slice, let other, let otherSlice):
            sink.write("sectors ")
            sink.write(slice)
            sink.write(" overlap the disk of ")
            sink.write(node: other, fdt: fdt)
            sink.write(" (sectors ")
            sink.write(otherSlice)
            sink.write(")")
        default:
            writeBootReliesOnReason(to: &sink, fdt: fdt)
        }
    }
}

extension TextSink {
    /// `FIRST-LAST` (inclusive), in sectors.
    mutating func write(_ slice: DiskSlice) {
        write(decimal: slice.firstSector)
        write("-")
        write(decimal: slice.endSector &- 1)
    }
}

extension TextSink {
    mutating func write(count: Int) { write(decimal: UInt64(clampingNonNegative: count)) }

    /// The path of a node, or `?` without the tree.
    mutating func write(node: FDTNode, fdt: FDT?) {
        if let fdt { fdt.writePath(of: node.offset, to: &self) } else { write("?") }
    }
}
