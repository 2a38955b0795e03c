// A configuration error: which node, which property, and why. Rendered by one
// function (`write(to:fdt:)`) that both the host tool and the hypervisor use,
// so the words are the same in both places:
//   /vm@1: property "physical-base": memory at physical 0x81000000-0x813fffff overlaps /vm@0 (...)
// The host puts `FILE: ` in front.

public struct ConfigError: Error, Equatable, Sendable {
    /// The node at fault; nil when the blob as a whole is unusable.
    public var node: FDTNode?
    /// The property at fault; nil when the node itself is (missing child, unknown node).
    public var property: ConfigProperty?
    public var reason: ConfigErrorReason

    public init(node: FDTNode?, property: ConfigProperty?, reason: ConfigErrorReason) {
        self.node = node
        self.property = property
        self.reason = reason
    }

    /// `/node: property "name": reason`. `fdt` supplies node paths and names;
    /// without it (a blob too broken to read) only the reason is written.
    public func write<Sink: TextSink>(to sink: inout Sink, fdt: FDT?) {
        if let node, let fdt, node != .none {
            fdt.writePath(of: node.offset, to: &sink)
            sink.write(": ")
        }
        if let property {
            sink.write("property \"")
            sink.write(property.name)
            sink.write("\": ")
        }
        reason.write(to: &sink, fdt: fdt)
    }
}
