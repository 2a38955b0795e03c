// The platforms Apus has a description of, by the name the build uses
// (`make PLATFORM=...`, `apus check --platform ...`).

public enum PlatformKind: UInt32, Sendable {
    // Numbered from 1 without gaps (the host tools list them by counting).
    case vexpressA15 = 1
    case qemuVirt = 2

    public var name: StaticString {
        switch self {
        case .vexpressA15: "vexpress-a15"
        case .qemuVirt: "virt"
        }
    }

    /// The description with `ramSize` bytes of RAM (clamped to the machine's maximum).
    public func platform(ramSize: UInt64) -> Platform {
        switch self {
        case .vexpressA15: .vexpressA15(ramSize: ramSize)
        case .qemuVirt: .qemuVirt(ramSize: ramSize)
        }
    }
}
