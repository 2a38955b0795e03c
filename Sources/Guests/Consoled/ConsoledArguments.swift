import GuestKit
import HypervisorCore

/// One frontend named in ` consoles=`: its domain id and VM label (a slice
/// of the bootargs page, which stays in place for the guest's life).
struct ConsoleEntry {
    var domain: UInt16
    var name: UnsafeRawBufferPointer
}

/// Bootargs of the driver domain:
///   [poll=<us>] [timeout=<ms>] [focus=<domid>] [virtio=<transport> irq=<intid>]
///   consoles=<domid>:<name>[,...]  [disks=<domid>:<first>:<sectors>[,...]]
///   [physical-base=<address>] [uart=<address> uart-irq=<intid>]
/// The hypervisor appends `consoles=` (docs/CONSOLE.md), `disks=` and
/// `physical-base=` (docs/BLOCK.md); without them there is nothing to serve.
/// `virtio` and `irq` name the virtio-blk transport passed through to this
/// VM for the block back end. `poll` is the fallback tick
/// (default 2000 us). `timeout` bounds the whole run for systems whose
/// frontends might never stop; without it the backend serves until every
/// frontend is gone. `focus` names the domain that gets typed input first
/// (default: the first console). `uart` and `uart-irq` name the PL011 passed
/// through as the console (default vexpress-a15's UART0 and IRQ 37; on QEMU
/// virt `uart=0x09000000 uart-irq=33`).
struct ConsoledArguments {
    static let maximumConsoles = 7
    /// Domain ids are VM indexes; Apus runs at most 8 VMs.
    static let maximumDomain: UInt64 = 7
    static let maximumTimeout: UInt64 = 10_000_000
    static let minimumPoll: UInt64 = 100
    static let maximumPoll: UInt64 = 1_000_000

    var entries = InlineArray<7, ConsoleEntry>(
        repeating: ConsoleEntry(domain: 0, name: UnsafeRawBufferPointer(start: nil, count: 0)))
    var count = 0
    var timeout: TimeSpan? = nil
    var poll = TimeSpan.microseconds(2_000)
    var disks: BlockBackendArguments
    var virtio: UInt32? = nil
    var interrupt: UInt32? = nil
    var physicalBase: UInt32? = nil
    var focus: UInt16? = nil
    /// vexpress-a15's UART0 raises SPI 5.
    static let vexpressUART0Interrupt: UInt32 = 37
    var uart = VexpressA15Devices.uart0
    var uartInterrupt = vexpressUART0Interrupt

    init(_ arguments: BootArguments) throws(GuestArgumentError) {
        if arguments.value("poll") != nil {
            guard let microseconds = arguments.integer("poll"), microseconds >= Self.minimumPoll,
                  microseconds <= Self.maximumPoll
            else { throw GuestArgumentError("poll", .outOfRange, "microseconds, 100..1000000") }
            poll = .microseconds(microseconds)
        }
        if arguments.value("timeout") != nil {
            guard let milliseconds = arguments.integer("timeout"), milliseconds >= 1,
                  milliseconds <= Self.maximumTimeout
            else { throw GuestArgumentError("timeout", .outOfRange, "milliseconds, 1..10000000") }
            timeout = .milliseconds(milliseconds)
        }
        if arguments.value("focus") != nil {
            guard let domain = arguments.integer("focus"), domain <= Self.maximumDomain else {
                throw GuestArgumentError("focus", .outOfRange, "a domain id, 0..7")
            }
            focus = UInt16(truncatingIfNeeded: domain)
        }
        disks = try BlockBackendArguments(arguments)
        if let text = arguments.value("virtio") {
            guard let base = parseHex32(text), base & 0x1FF == 0 else {
                throw GuestArgumentError("virtio", .malformed, "a transport address such as 0x1c130600")
            }
            virtio = base
        }
        if arguments.value("irq") != nil {
            guard let intid = arguments.integer("irq"), intid >= 32, intid < 160 else {
                throw GuestArgumentError("irq", .outOfRange, "an SPI, 32..159")
            }
            interrupt = UInt32(truncatingIfNeeded: intid)
        }
        if let text = arguments.value("physical-base") {
            guard let base = parseHex32(text) else {
                throw GuestArgumentError("physical-base", .malformed, "0x and up to 8 hex digits")
            }
            physicalBase = base
        }
        if let text = arguments.value("uart") {
            guard let base = parseHex32(text), base & 0xFFF == 0 else {
                throw GuestArgumentError("uart", .malformed, "a page-aligned PL011 address such as 0x09000000")
            }
            uart = base
        }
        if arguments.value("uart-irq") != nil {
            guard let intid = arguments.integer("uart-irq"), intid >= 32, intid < 160 else {
                throw GuestArgumentError("uart-irq", .outOfRange, "an SPI, 32..159")
            }
            uartInterrupt = UInt32(truncatingIfNeeded: intid)
        }
        guard let list = arguments.value("consoles") else { return }
        try parse(list)
    }

    /// Comma-separated `<domid>:<name>`, split at the first colon.
    private mutating func parse(_ list: UnsafeRawBufferPointer) throws(GuestArgumentError) {
        var start = 0
        while start < list.count {
            var end = start
            while end < list.count, list[end] != 0x2C { end += 1 }  // ","
            let entry = UnsafeRawBufferPointer(rebasing: list[start..<end])
            guard let colon = entry.firstIndex(of: 0x3A),  // ":"
                  let domain = parseDecimal(UnsafeRawBufferPointer(rebasing: entry[..<colon])),
                  domain <= Self.maximumDomain, colon + 1 < entry.count
            else { throw GuestArgumentError("consoles", .malformed, "expected <domid 0..7>:<name>,...") }
            guard count < Self.maximumConsoles else {
                throw GuestArgumentError("consoles", .tooMany, "at most 7 consoles")
            }
            entries[count] = ConsoleEntry(domain: UInt16(truncatingIfNeeded: domain),
                                          name: UnsafeRawBufferPointer(rebasing: entry[(colon + 1)...]))
            count += 1
            start = end + 1
        }
    }
}
