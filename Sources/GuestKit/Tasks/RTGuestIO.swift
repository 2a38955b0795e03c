// The RT guest's devices (docs/GUESTS.md, "RT guest"), from its bootargs:
//   [output=console|uart1]   where the report lines go: the console, or UART1
//                            passed through to this VM and driven by the guest
//   [io=none|direct|split]   one timed 4 KiB block read at the start of every
//   [io-task=<k>]            job of task k (default 0): through the guest's own
//                            virtio-blk device, or through the driver domain
//   io=direct needs virtio=0x<transport> irq=<INTID> physical-base=0x<address>
//   (the hypervisor appends physical-base); io=split needs a `disk` in the
//   VM's node (the guest finds it through xenstore).
import HypervisorCore

public struct RTGuestIO: Equatable, Sendable {
    public enum Output: Equatable, Sendable {
        case console
        case uart1
    }

    public enum Path: Equatable, Sendable {
        case none
        case direct(transport: UInt32, interrupt: UInt32, physicalBase: UInt32)
        case split
    }

    public var output: Output
    public var path: Path
    /// The task whose jobs start with a block read.
    public var task: Int

    public init(output: Output = .console, path: Path = .none, task: Int = 0) {
        self.output = output
        self.path = path
        self.task = task
    }

    public init(_ arguments: BootArguments, taskCount: Int) throws(GuestArgumentError) {
        if arguments.value("output") == nil || arguments.value("output", equals: "console") {
            output = .console
        } else if arguments.value("output", equals: "uart1") {
            output = .uart1
        } else {
            throw GuestArgumentError("output", .unknownValue, "expected console or uart1")
        }

        if arguments.value("io") == nil || arguments.value("io", equals: "none") {
            path = .none
        } else if arguments.value("io", equals: "direct") {
            path = .direct(
                transport: try arguments.requiredHex("virtio", alignment: 0x200, detail: "0x<transport base>, 0x200-aligned"),
                interrupt: UInt32(truncatingIfNeeded: try arguments.requiredInteger("irq", from: 32, to: 159,
                                                                                    detail: "an SPI, 32..159")),
                physicalBase: try arguments.requiredHex("physical-base", alignment: 0x1000,
                                                        detail: "0x<physical address of guest RAM>, page-aligned"))
        } else if arguments.value("io", equals: "split") {
            path = .split
        } else {
            throw GuestArgumentError("io", .unknownValue, "expected none, direct or split")
        }

        if arguments.value("io-task") == nil {
            task = 0
        } else {
            task = Int(truncatingIfNeeded: try arguments.requiredInteger(
                "io-task", from: 0, to: UInt64(clampingNonNegative: max(taskCount - 1, 0)),
                detail: "the index of one of the tasks"))
        }
    }
}
