// A binary min-heap of slot numbers (0..<capacity) ordered by a two-part key
// (key, then tie). It remembers where each slot sits, so a slot can change its
// key or leave from the middle in O(log n). Fixed capacity, never allocates;
// every operation works on the stored arrays in place.
struct SlotHeap<let capacity: Int> {
    struct Entry {
        var key: UInt64
        var tie: UInt64
        var slot: Int

        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            key < other.key || (key == other.key && tie < other.tie)
        }
    }

    private var entries: InlineArray<capacity, Entry>
    /// Where each slot sits in `entries`; -1 when it is not in the heap.
    private var position: InlineArray<capacity, Int>
    private(set) var count = 0

    init() {
        entries = InlineArray(repeating: Entry(key: 0, tie: 0, slot: 0))
        position = InlineArray(repeating: -1)
    }

    @inline(__always)
    func contains(_ slot: Int) -> Bool { position[slot] >= 0 }

    /// The least entry, nil when empty.
    @inline(__always)
    var first: Entry? { count > 0 ? entries[0] : nil }

    /// The least entry other than the first (the lesser of the root's children).
    var second: Entry? {
        if count < 2 { return nil }
        if count == 2 { return entries[1] }
        return entries[2].precedes(entries[1]) ? entries[2] : entries[1]
    }

    /// Puts `slot` in the heap with this key, or moves it there if it is in already.
    mutating func set(_ slot: Int, key: UInt64, tie: UInt64) {
        let p = position[slot]
        let entry = Entry(key: key, tie: tie, slot: slot)
        if p < 0 {
            count += 1
            siftUp(entry, from: count - 1)
            return
        }
        let old = entries[p]
        if old.key == key && old.tie == tie { return }
        if entry.precedes(old) { siftUp(entry, from: p) } else { siftDown(entry, from: p) }
    }

    /// Takes `slot` out of the heap; nothing when it is not in.
    mutating func remove(_ slot: Int) {
        let p = position[slot]
        if p < 0 { return }
        position[slot] = -1
        count -= 1
        if p == count { return }
        // The last entry fills the hole, then moves whichever way its key says.
        let last = entries[count]
        if p > 0 && last.precedes(entries[(p - 1) / 2]) { siftUp(last, from: p) } else { siftDown(last, from: p) }
    }

    /// Empties the heap.
    mutating func removeAll() {
        for i in 0..<count { position[entries[i].slot] = -1 }
        count = 0
    }

    /// The slot at `index` in storage order (0..<count), for moving everything out.
    @inline(__always)
    func slot(at index: Int) -> Int { entries[index].slot }

    private mutating func siftUp(_ entry: Entry, from start: Int) {
        var hole = start
        while hole > 0 {
            let parent = (hole - 1) / 2
            let above = entries[parent]
            if !entry.precedes(above) { break }
            entries[hole] = above
            position[above.slot] = hole
            hole = parent
        }
        entries[hole] = entry
        position[entry.slot] = hole
    }

    private mutating func siftDown(_ entry: Entry, from start: Int) {
        var hole = start
        while true {
            var child = 2 * hole + 1
            if child >= count { break }
            if child + 1 < count && entries[child + 1].precedes(entries[child]) { child += 1 }
            let below = entries[child]
            if !below.precedes(entry) { break }
            entries[hole] = below
            position[below.slot] = hole
            hole = child
        }
        entries[hole] = entry
        position[entry.slot] = hole
    }
}
