// Bootargs of the hostile guest:
//   duration=<ms> [sweep-end=0x<guest-physical address>] [crash=none|undef|vector|block]
//   [own-window=0x<address> foreign-window=0x<address>]
// `sweep-end`: the guest probes every 4 KiB page from the end of its RAM up to
// this address (the guest-physical range other VMs use, and the addresses equal
// to other VMs' physical placement), storing `IsolationProbe.marker` through
// each; `crash` ends the run with a deliberate fault.
// `own-window` is a virtio-mmio transport the VM owns (a sub-page window the
// hypervisor forwards): reading its MagicValue must work; `foreign-window` is
// another VM's transport in the same page: reading it must fault.
// `physical-base=0x...` is appended by the hypervisor to the bootargs of a VM
// that owns a DMA-capable device (where its RAM really is); the guest reports it.
// `attack=isolation|blkif|abandon|console` picks the attacks (default isolation:
// memory, devices, interrupts, hypercalls, instructions); `blkif` attacks the
// block back end through the VM's own disk instead (a VM with a `disk`: it
// finds and connects it through xenstore); `console` tries to forge and hide
// other sources' console lines (docs/GUESTS.md). `crash=semihosting-exit`
// tries to end the whole run through QEMU semihosting with status 0.
// `attack=xenstore victim=<domid> end=oversize|ring-index` attacks the driver
// domain's xenstore through the VM's own ring (it needs one: a VM with a `disk`
// gets it), aiming at `victim`'s entries, and ends with a header longer than
// XENSTORE_PAYLOAD_MAX or with impossible ring indices.
// `after=<ms>` idles that long before the attacks (default 0).
import HypervisorCore

public struct HostileGuestArguments: Sendable {
    public enum Crash: Equatable, Sendable {
        case none
        /// An undefined instruction with no handler expecting it.
        case undefinedInstruction
        /// A fault while the exception vectors point at unmapped memory.
        case brokenVectors
        /// Blocks for good: interrupts masked, no timer armed (the hypervisor
        /// must notice that nothing can wake it rather than idle forever).
        case blockForever
        /// SYS_EXIT_EXTENDED(0) through QEMU semihosting: ends the run if the
        /// emulator lets a guest do it (the test harness must not believe it).
        case semihostingExit
    }

    public enum Attack: Equatable, Sendable {
        /// Memory, devices, interrupts, hypercalls and instructions it was not given.
        case isolation
        /// Malformed, out-of-range and badly granted blkif requests, event
        /// storms and a ring overrun against the block back end.
        case blkif
        /// Posts valid block writes and crashes before any is answered: the
        /// driver domain must survive a front end that stops with requests in flight.
        case abandon
        /// Console lines that pretend to be another VM's or the hypervisor's,
        /// and an unfinished line that would absorb the next VM's.
        case console
        /// Other domains' paths, oversized values and paths, floods of
        /// nodes, watches and transactions, malformed messages against the
        /// driver domain's xenstore, aiming at `victim`; then `end`.
        case xenstore(victim: UInt32, end: XenstoreEnding)
    }

    /// How `attack=xenstore` gets its connection dropped.
    public enum XenstoreEnding: Equatable, Sendable {
        /// A header announcing more than XENSTORE_PAYLOAD_MAX (`end=oversize`).
        case oversizedHeader
        /// A request producer index 3000 bytes past the consumer (`end=ring-index`).
        case ringIndex
    }

    public var duration: TimeSpan
    public var attack: Attack
    public var sweepEnd: UInt32?
    public var crash: Crash
    public var ownWindow: UInt32?
    public var foreignWindow: UInt32?
    public var physicalBase: UInt32?
    /// How long it idles before attacking.
    public var startDelay: TimeSpan = .zero

    public init(_ arguments: BootArguments) throws(GuestArgumentError) {
        let milliseconds = try arguments.requiredInteger(
            "duration", limit: RTGuestArguments.maximumDurationMilliseconds, detail: "milliseconds, 1..10000000")
        duration = .milliseconds(milliseconds)

        if arguments.value("after") != nil {
            startDelay = .milliseconds(try arguments.requiredInteger(
                "after", from: 0, to: RTGuestArguments.maximumDurationMilliseconds, detail: "milliseconds, 0..10000000"))
        }
        sweepEnd = try Self.window("sweep-end", in: arguments)
        if let sweepEnd, sweepEnd & 0xFFF != 0 {
            throw GuestArgumentError("sweep-end", .outOfRange, "must be 4 KiB aligned")
        }

        ownWindow = try Self.window("own-window", in: arguments)
        foreignWindow = try Self.window("foreign-window", in: arguments)
        physicalBase = try Self.window("physical-base", in: arguments)

        if arguments.value("attack") == nil || arguments.value("attack", equals: "isolation") {
            attack = .isolation
        } else if arguments.value("attack", equals: "blkif") {
            attack = .blkif
        } else if arguments.value("attack", equals: "abandon") {
            attack = .abandon
        } else if arguments.value("attack", equals: "console") {
            attack = .console
        } else if arguments.value("attack", equals: "xenstore") {
            let victim = try arguments.requiredInteger("victim", from: 0, to: 0x7FEF, detail: "a domain id, 0..32751")
            let end: XenstoreEnding
            if arguments.value("end", equals: "oversize") {
                end = .oversizedHeader
            } else if arguments.value("end", equals: "ring-index") {
                end = .ringIndex
            } else {
                throw GuestArgumentError("end", arguments.value("end") == nil ? .missing : .unknownValue,
                                         "expected oversize or ring-index")
            }
            attack = .xenstore(victim: UInt32(truncatingIfNeeded: victim), end: end)
        } else {
            throw GuestArgumentError("attack", .unknownValue, "expected isolation, blkif, abandon, console or xenstore")
        }

        if arguments.value("crash") == nil || arguments.value("crash", equals: "none") {
            crash = .none
        } else if arguments.value("crash", equals: "undef") {
            crash = .undefinedInstruction
        } else if arguments.value("crash", equals: "vector") {
            crash = .brokenVectors
        } else if arguments.value("crash", equals: "block") {
            crash = .blockForever
        } else if arguments.value("crash", equals: "semihosting-exit") {
            crash = .semihostingExit
        } else {
            throw GuestArgumentError("crash", .unknownValue, "expected none, undef, vector, block or semihosting-exit")
        }
    }

    private static func window(_ key: StaticString, in arguments: BootArguments) throws(GuestArgumentError) -> UInt32? {
        guard let text = arguments.value(key) else { return nil }
        guard let address = parseHex32(text) else {
            throw GuestArgumentError(key, .malformed, "expected 0x and up to 8 hex digits")
        }
        guard address & 3 == 0 else { throw GuestArgumentError(key, .outOfRange, "must be 4-byte aligned") }
        return address
    }
}
