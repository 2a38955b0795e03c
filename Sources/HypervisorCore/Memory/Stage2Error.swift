// Why stage-2 tables could not be built.

public enum Stage2Error: Error, Equatable, Sendable {
    /// The table storage's physical address is not 4 KiB aligned, or it holds no whole page.
    case badStorage(PhysicalAddress)
    /// Every page of the table storage is in use; `pages` is its size in pages.
    case tablesExhausted(pages: Int)
    /// A mapping that does not start and end on 4 KiB boundaries.
    case misaligned(GuestPhysicalAddress)
    /// A mapping that ends beyond the 4 GiB IPA space or the 40-bit physical space.
    case outOfRange(GuestPhysicalAddress)
    /// A guest-physical page that is already mapped (overlapping regions).
    case alreadyMapped(GuestPhysicalAddress)

    public func write<Sink: TextSink>(to sink: inout Sink) {
        switch self {
        case .badStorage(let address):
            sink.write("stage-2 table storage at ")
            sink.write(address: address.value)
            sink.write(" is not whole 4 KiB-aligned pages")
        case .tablesExhausted(let pages):
            sink.write("stage-2 table storage exhausted (")
            sink.write(count: pages)
            sink.write(" pages)")
        case .misaligned(let address):
            sink.write("stage-2 mapping at ")
            sink.write(address: address.value)
            sink.write(" is not 4 KiB aligned")
        case .outOfRange(let address):
            sink.write("stage-2 mapping at ")
            sink.write(address: address.value)
            sink.write(" ends beyond the address space")
        case .alreadyMapped(let address):
            sink.write("guest-physical page ")
            sink.write(address: address.value)
            sink.write(" is mapped twice")
        }
    }
}
