// A binary min-heap of slot numbers (0..<capacity) ordered by a two-part key
// (key, then tie). It remembers where each slot sits, so a slot can change its
// key or leave from the middle in O(log n). Fixed capacity, never allocates.
// The keys live in per-slot arrays and the heap moves only slot numbers: on
// 32-bit Embedded builds, moving (key, tie, slot) records cost a memcpy each.
// Even the reading members are `mutating`: Embedded Swift copies the whole
// heap for a non-mutating call on it.
// Each member checks the slot it is given once (a slot of `capacity` or more
// traps there); the sifts then index without checks: heap positions are below
// `count`, which never exceeds `capacity`, and every slot in `heap` was checked
// when it went in. `insert` and `removeFirst` trust their callers (a slot not
// in the heap, a heap not empty); debug builds, the host tests', assert it.
struct SlotHeap<let capacity: Int> {
    /// Slot numbers in heap order; the first `count` are in use.
    private var heap: InlineArray<capacity, Int>
    /// Where each slot sits in `heap`; -1 when it is not in the heap.
    private var position: InlineArray<capacity, Int>
    private var keys: InlineArray<capacity, UInt64>
    private var ties: InlineArray<capacity, UInt64>
    private(set) var count = 0

    init() {
        heap = InlineArray(repeating: 0)
        position = InlineArray(repeating: -1)
        keys = InlineArray(repeating: 0)
        ties = InlineArray(repeating: 0)
    }

    /// The slot with the least key, nil when empty.
    @inline(__always)
    var first: Int? { mutating get { count > 0 ? heap[0] : nil } }

    /// Whether `slot` is in the heap.
    @inline(__always)
    mutating func contains(_ slot: Int) -> Bool { position[slot] >= 0 }

    /// The key `slot` was filed under (meaningful while it is in the heap).
    @inline(__always)
    mutating func key(of slot: Int) -> UInt64 { keys[slot] }

    /// The least slot other than the first (the lesser of the root's children).
    var second: Int? {
        mutating get {
            if count < 2 { return nil }
            if count == 2 || precedes(heap[1], heap[2]) { return heap[1] }
            return heap[2]
        }
    }

    /// Puts `slot` in the heap with this key, or moves it there if it is in already.
    mutating func set(_ slot: Int, key: UInt64, tie: UInt64) {
        let p = position[slot]
        if p >= 0 && keys[slot] == key && ties[slot] == tie { return }
        let earlier = p >= 0 && (key < keys[slot] || (key == keys[slot] && tie < ties[slot]))
        keys[slot] = key
        ties[slot] = tie
        if p < 0 {
            count += 1
            siftUp(slot, from: count - 1)
        } else if earlier {
            siftUp(slot, from: p)
        } else {
            siftDown(slot, from: p)
        }
    }

    /// Puts `slot`, which is not in the heap, in with this key (`set`
    /// without the checks for a slot already in).
    mutating func insert(_ slot: Int, key: UInt64, tie: UInt64) {
        assert(position[slot] < 0, "SlotHeap.insert: slot already in")  // debug builds (host tests)
        keys[slot] = key
        ties[slot] = tie
        count += 1
        siftUp(slot, from: count - 1)
    }

    /// Takes the first slot out (`remove` of the first, without looking for
    /// it); the heap must not be empty.
    mutating func removeFirst() {
        assert(count > 0, "SlotHeap.removeFirst: empty")  // debug builds (host tests)
        position[heap[0]] = -1
        count -= 1
        if count > 0 { siftDown(heap[count], from: 0) }
    }

    /// Takes `slot` out of the heap; nothing when it is not in.
    mutating func remove(_ slot: Int) {
        let p = position[slot]
        if p < 0 { return }
        position[unchecked: slot] = -1
        count &-= 1  // `slot` was in
        if p == count { return }
        // The last slot fills the hole, then moves whichever way its key says.
        let last = heap[unchecked: count]
        if p > 0 && precedes(last, heap[unchecked: (p &- 1) / 2]) { siftUp(last, from: p) } else { siftDown(last, from: p) }
    }

    /// Slots `a` and `b` are in range (see the header).
    @inline(__always)
    private mutating func precedes(_ a: Int, _ b: Int) -> Bool {
        let keyA = keys[unchecked: a], keyB = keys[unchecked: b]
        return keyA < keyB || (keyA == keyB && ties[unchecked: a] < ties[unchecked: b])
    }

    /// `slot` in range, `start` below `count` (see the header). Out of line,
    /// as are the checked versions these replaced: the callers keep their
    /// registers (in line in SEDF's decision, it spills around the whole of it).
    @inline(never)
    private mutating func siftUp(_ slot: Int, from start: Int) {
        var hole = start
        while hole > 0 {
            let parent = (hole &- 1) / 2
            let above = heap[unchecked: parent]
            if !precedes(slot, above) { break }
            heap[unchecked: hole] = above
            position[unchecked: above] = hole
            hole = parent
        }
        heap[unchecked: hole] = slot
        position[unchecked: slot] = hole
    }

    /// `slot` in range, `start` below `count` (see the header).
    @inline(never)
    private mutating func siftDown(_ slot: Int, from start: Int) {
        var hole = start
        while true {
            var child = 2 &* hole &+ 1
            if child >= count { break }
            if child &+ 1 < count && precedes(heap[unchecked: child &+ 1], heap[unchecked: child]) { child &+= 1 }
            let below = heap[unchecked: child]
            if !precedes(below, slot) { break }
            heap[unchecked: hole] = below
            position[unchecked: below] = hole
            hole = child
        }
        heap[unchecked: hole] = slot
        position[unchecked: slot] = hole
    }
}
