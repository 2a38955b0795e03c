// The words for the rules the boot relies on: what the guest image needs,
// the pages Apus reserves, the stage-2 table region, the trace ring, VM names.
// Apart from ConfigErrorReason.swift so that each file stays short.

extension ConfigErrorReason {
    func writeBootReliesOnReason<Sink: TextSink>(to sink: inout Sink, fdt: FDT?) {
        switch self {
        case .imageWithoutHeader:
            sink.write("image has no guest image header (\"APUSIMAG\" at offset 4, written by Boot/Guest/start.S), so its memory footprint is unknown")
        case .imageLinkedElsewhere(let load, let memory):
            sink.write("image is linked to run at ")
            sink.write(address: UInt64(widening: load))
            sink.write(", but it is loaded at the start of the VM's memory (")
            sink.write(memory)
            sink.write(")")
        case .imageFootprintBelowSize(let footprint, let size):
            sink.write("image header says the image uses ")
            sink.write(decimal: footprint)
            sink.write(" bytes of memory, less than its ")
            sink.write(count: size)
            sink.write("-byte file")
        case .imageRunsIntoReservedPages(let used, let reserved):
            sink.write("image with its BSS and stacks uses ")
            sink.write(used)
            sink.write(", which runs into the pages Apus reserves (")
            sink.write(reserved)
            sink.write(": rings, grant table, bootargs)")
        case .imagePathOutsideImages:
            sink.write("must be a relative path inside the images folder (no leading \"/\", no \"..\" or empty part)")
        case .memoryTooSmall(let size, let reserved):
            sink.write("size ")
            sink.write(address: size)
            sink.write(" leaves nothing for the guest above the ")
            sink.write(decimal: reserved / 1024)
            sink.write(" KiB Apus reserves at the end of its memory")
        case .entryMisaligned(let entry):
            sink.write(address: entry.value)
            sink.write(" is not 4-byte aligned (the VCPU starts in ARM state)")
        case .entryInReservedPages(let entry, let reserved):
            sink.write(address: entry.value)
            sink.write(" is inside the pages Apus reserves (")
            sink.write(reserved)
            sink.write(": rings, grant table, bootargs)")
        case .entryOutsideImage(let entry, let image):
            sink.write(address: entry.value)
            sink.write(" is not inside the loaded image (")
            sink.write(image)
            sink.write(")")
        case .stage2TablesExceedRegion(let vmPages, let totalPages, let regionPages):
            sink.write("stage 2 of this VM needs ")
            sink.write(count: vmPages)
            sink.write(" table pages (one per 2 MiB of memory not 2 MiB-aligned in both memory and physical-base); with the earlier VMs' that is ")
            sink.write(count: totalPages)
            sink.write(", the hypervisor's stage-2 region holds ")
            sink.write(count: regionPages)
        case .tooManyTraceEntries(let entries, let limit):
            sink.write(decimal: entries)
            sink.write(" entries exceed the trace ring the hypervisor holds (")
            sink.write(count: limit)
            sink.write(" entries)")
        case .unsafeName(let length, let limit, let fromLabel):
            sink.write(fromLabel ? "a label is 1 to " : "a VM without a label is named by its node name, which must be 1 to ")
            sink.write(count: limit)
            sink.write(fromLabel ? " characters from A-Z a-z 0-9 _ -" : " characters from A-Z a-z 0-9 _ - , . + @")
            if length == 0 || length > limit {
                sink.write(" (found ")
                sink.write(count: length)
                sink.write(")")
            } else {
                sink.write(" (found another character)")
            }
        case .nameNotUnique(let other):
            sink.write("the VM's name is already the name of ")
            sink.write(node: other, fdt: fdt)
            sink.write(" (names tell the VMs apart on the console)")
        case .childNodeOfLeaf:
            sink.write("unknown node (the hypervisor node and devices have no child nodes)")
        default:
            sink.write("invalid")
        }
    }
}
