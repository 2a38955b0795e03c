import HypervisorCore

/// Platforms by the names the build and the tools use.
extension PlatformKind {
    /// Every platform (the raw values count up from 1).
    public static var all: [PlatformKind] {
        Array(sequence(first: UInt32(1)) { $0 + 1 }.lazy.map(PlatformKind.init(rawValue:)).prefix { $0 != nil }.compactMap { $0 })
    }

    public var nameText: String { name.description }

    /// The kind called `name` (`vexpress-a15`, `virt`), if any.
    public init?(named name: String) {
        guard let kind = PlatformKind.all.first(where: { $0.nameText == name }) else { return nil }
        self = kind
    }

    /// "vexpress-a15, virt": for messages that name the accepted values.
    public static var acceptedNames: String { all.map(\.nameText).joined(separator: ", ") }
}
