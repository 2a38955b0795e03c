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

    /// The description with `ramSize` bytes of RAM (clamped to the machine's maximum);
    /// `stage2TablePages`: the hypervisor passes the size of the region it really linked.
    public func platform(ramSize: UInt64, stage2TablePages: Int = Platform.linkedStage2TablePages) -> Platform {
        switch self {
        case .vexpressA15: .vexpressA15(ramSize: ramSize, stage2TablePages: stage2TablePages)
        case .qemuVirt: .qemuVirt(ramSize: ramSize, stage2TablePages: stage2TablePages)
        }
    }
}
