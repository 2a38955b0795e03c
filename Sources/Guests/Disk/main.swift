import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore

/// The disk guest (docs/GUESTS.md, "Disk guest"): drives a virtio-blk device
/// passed through to its VM. `mode=write` stores a pattern that `mode=verify`
/// (a later boot, same disk image) checks; `mode=roundtrip` times 4 KiB reads
/// (`path=both`: through its own device, then through the driver domain);
/// `mode=throughput` times sequential writes and reads and 4 KiB reads;
/// `lines=` then times console lines through the ring and through console_io.
@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    let text = BootArguments(guestPointer: bootargs)
    let arguments: DiskGuestArguments
    do throws(GuestArgumentError) {
        arguments = try DiskGuestArguments(text)
    } catch {
        out.write("ERROR ")
        error.describe(to: &out)
        if let word = text.firstUnknownWord(isKnown: DiskGuestArguments.isKnownKey) {
            out.write(": ")
            for byte in word { out.write(byte: byte) }
        }
        out.newline()
        check("disk-bootargs", false)
        Hypervisor.shutdown(.crash)
    }
    announce(arguments, vm: vm, to: &out)
    GrantCopyCheck.run(vm: vm, to: &out)

    let memoryEnd = UInt64(widening: UInt32(UInt(bitPattern: bootargs)) | 0xFFF) + 1
    switch arguments.path {
    case .direct: runDirect(arguments, memoryEnd: memoryEnd)
    case .split: runSplit(arguments)
    case .both:
        // The same reads, one path after the other, under the same load.
        runDirect(arguments, memoryEnd: memoryEnd)
        runSplit(arguments)
    }
    if arguments.lines > 0 { ConsoleLines.time(arguments.lines) }
    Hypervisor.shutdown(.powerOff)
}

/// The guest's own virtio-blk device, by passthrough. `memoryEnd`: the
/// bootargs sit in the last page of RAM, so its end is the first address not ours.
func runDirect(_ arguments: DiskGuestArguments, memoryEnd: UInt64) {
    var out = GuestConsole()
    let window = GuestDMAWindow(ramEnd: memoryEnd, physicalBase: arguments.physicalBase)
    var disk: VirtioBlock
    do throws(VirtioError) {
        disk = try VirtioBlock(base: UInt(arguments.transport), window: window)
    } catch {
        out.write("ERROR ")
        error.describe(to: &out)
        out.newline()
        check("disk-device", false)
        Hypervisor.shutdown(.crash)
    }
    out.write("DEVICE capacity=")
    out.write(decimal: disk.capacity)
    out.write(" features=")
    out.write(hex: disk.offeredFeatures)
    out.write(" accepted=")
    out.write(hex: disk.features)
    out.newline()
    check("disk-device", true)

    VirtioBlock.attachInterrupt(arguments.interrupt)
    GIC.enable()
    g_enable_irq()  // the handler only acknowledges and counts; completion is polled
    run(&disk, arguments, benchName: "disk-read-4k-direct")
    DiskModes.reportInterrupts(disk, to: &out)
}

/// The disk the driver domain's block back end serves (docs/BLOCK.md),
/// found and connected through xenstore.
func runSplit(_ arguments: DiskGuestArguments) {
    var out = GuestConsole()
    guard var frontend = withUnsafeMutableBytes(of: &sharedInfoStorage, { BlockFrontend.connect(sharedInfo: $0) }) else {
        check("disk-device", false)
        Hypervisor.shutdown(.crash)
    }
    frontend.describe(to: &out)
    check("disk-device", true)
    run(&frontend, arguments, benchName: "disk-read-4k-split")
}

func run<Disk: BlockDevice>(_ disk: inout Disk, _ arguments: DiskGuestArguments, benchName: StaticString) {
    var out = GuestConsole()
    switch arguments.mode {
    case .write: DiskModes.write(&disk, arguments, to: &out)
    case .verify: DiskModes.verify(&disk, arguments, to: &out)
    case .roundtrip: DiskModes.roundTrips(&disk, arguments, benchName: benchName, to: &out)
    case .throughput: DiskThroughput.run(&disk, arguments, to: &out)
    }
}

/// 8 KiB of BSS: one whole, page-aligned page of it becomes shared_info.
nonisolated(unsafe) var sharedInfoStorage = InlineArray<2048, UInt32>(repeating: 0)

/// `DISK vm=0 mode=write virtio=0x1c130600 irq=75 physical-base=0x81400000 first=0 sectors=64 count=0 seed=7`.
func announce(_ arguments: DiskGuestArguments, vm: UInt32, to out: inout GuestConsole) {
    out.write("DISK vm=")
    out.write(decimal: vm)
    switch arguments.mode {
    case .write: out.write(" mode=write")
    case .verify: out.write(" mode=verify")
    case .roundtrip: out.write(" mode=roundtrip")
    case .throughput: out.write(" mode=throughput")
    }
    switch arguments.path {
    case .direct: out.write(" path=direct")
    case .split: out.write(" path=split")
    case .both: out.write(" path=both")
    }
    out.write(" virtio=")
    out.write(hex: arguments.transport)
    out.write(" irq=")
    out.write(decimal: arguments.interrupt)
    out.write(" physical-base=")
    out.write(hex: arguments.physicalBase)
    out.write(" first=")
    out.write(decimal: arguments.first)
    out.write(" sectors=")
    out.write(decimal: arguments.sectors)
    out.write(" count=")
    out.write(decimal: arguments.count)
    out.write(" seed=")
    out.write(decimal: arguments.seed)
    if arguments.lines > 0 {
        out.write(" lines=")
        out.write(decimal: arguments.lines)
    }
    out.newline()
}
