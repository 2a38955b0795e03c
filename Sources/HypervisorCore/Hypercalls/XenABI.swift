// The subset of Xen's public guest ABI that Apus speaks (xen/include/public):
// hypercall numbers, sub-operations and error codes. Guests use these numbers
// through `hvc #0xEA1` with the number in r12, arguments in r0-r4 and the
// result in r0 (Xen's ARM convention); negative results are -errno.

/// The immediate of Xen's hypercall instruction on ARM.
public let xenHypercallImmediate: UInt32 = 0xEA1

/// Hypercall numbers (xen.h).
public enum Hypercall: UInt32, Sendable {
    case memoryOp = 12
    case xenVersion = 17
    case consoleIO = 18
    case grantTableOp = 20
    case vcpuOp = 24
    case schedOp = 29
    case eventChannelOp = 32
    case hvmOp = 34
}

/// Xen's error codes (errno.h values), returned negated in r0.
public enum XenError: Int32, Sendable, Error {
    case permissionDenied = 1   // EPERM
    case noEntry = 2            // ENOENT
    case noSuchDomain = 3       // ESRCH
    case ioError = 5            // EIO
    case badFile = 9            // EBADF
    case tryAgain = 11          // EAGAIN
    case noMemory = 12          // ENOMEM
    case accessDenied = 13      // EACCES
    case fault = 14             // EFAULT
    case busy = 16              // EBUSY
    case exists = 17            // EEXIST
    case invalid = 22           // EINVAL
    case noSpace = 28           // ENOSPC
    case notImplemented = 38    // ENOSYS

    /// The value a guest sees in r0.
    public var registerValue: UInt32 { UInt32(bitPattern: -rawValue) }
}

/// console_io sub-operations.
public enum ConsoleIOCommand: UInt32, Sendable {
    case write = 0
    case read = 1
}

/// xen_version sub-operations.
public enum XenVersionCommand: UInt32, Sendable {
    case version = 0
    case extraVersion = 1
    case compileInfo = 2
    case capabilities = 3
    case changeset = 4
    case platformParameters = 5
    case getFeatures = 6
    case pageSize = 7
}

/// sched_op sub-operations.
public enum SchedOpCommand: UInt32, Sendable {
    case yield = 0
    case block = 1
    case shutdown = 2
    case poll = 3
}

/// Reasons a guest gives for SCHEDOP_shutdown.
public enum ShutdownReason: UInt32, Sendable {
    case powerOff = 0
    case reboot = 1
    case suspend = 2
    case crash = 3
    case watchdog = 4

    public var name: StaticString {
        switch self {
        case .powerOff: return "poweroff"
        case .reboot: return "reboot"
        case .suspend: return "suspend"
        case .crash: return "crash"
        case .watchdog: return "watchdog"
        }
    }
}

/// The Xen interface version Apus reports to xen_version: 4.19 (major << 16 | minor).
public let reportedXenVersion: UInt32 = (4 << 16) | 19

/// PSCI 0.2+ function identifiers (SMC32 calling convention) that guests use.
public enum PSCIFunction: UInt32, Sendable {
    case version = 0x8400_0000
    case cpuSuspend = 0x8400_0001
    case cpuOff = 0x8400_0002
    case cpuOn = 0x8400_0003
    case affinityInfo = 0x8400_0004
    case systemOff = 0x8400_0008
    case systemReset = 0x8400_0009
    case features = 0x8400_000A
}

/// PSCI return values.
public enum PSCIResult: Int32, Sendable {
    case success = 0
    case notSupported = -1
    case invalidParameters = -2
    case denied = -3
    case alreadyOn = -4
    case onPending = -5
    case invalidAddress = -9
}

/// PSCI 1.0, as reported by PSCI_VERSION (major << 16 | minor).
public let reportedPSCIVersion: UInt32 = 0x0001_0000
