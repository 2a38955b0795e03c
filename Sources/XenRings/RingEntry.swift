// What a shared ring carries. An entry type knows its C layout (size and
// alignment as the C compiler for 32-bit ARM EABI / arm64 lays it out: the two
// agree for Xen's ring structures) and how to copy itself between a slot and
// a local value, field by field at fixed offsets.

public protocol RingEntry {
    /// `sizeof` of the C structure, tail padding included.
    static var wireSize: Int { get }
    /// `_Alignof` of the C structure (its largest field's alignment).
    static var wireAlignment: Int { get }
    /// Copies an entry out of a slot. Reads every field once; the value
    /// returned no longer depends on the slot, whatever the peer writes later.
    init(copyingFrom slot: SharedMemory)
    /// Writes every field, padding left as it was.
    func write(to slot: SharedMemory)
}
