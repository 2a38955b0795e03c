// Which slot holds a VCPU: the inserted VCPU ids kept sorted, found by binary
// search in O(log n). Inserting and removing shift entries (O(n)); they happen
// only when VCPUs join or leave. Fixed capacity, never allocates. The lookup
// is `mutating` because Embedded Swift copies the whole index for a
// non-mutating call on it.
struct VCPUIndex<let capacity: Int> {
    private var ids: InlineArray<capacity, UInt32>
    private var slots: InlineArray<capacity, Int>
    private(set) var count = 0

    init() {
        ids = InlineArray(repeating: 0)
        slots = InlineArray(repeating: 0)
    }

    /// The slot of `vcpu`, nil if it is not inserted. Ids 0..<n (one per
    /// VM, as the hypervisor numbers them) sit at their own position: that
    /// is tried in line (every block, wake and yield asks), before the
    /// binary search.
    @inline(__always)
    mutating func slot(of vcpu: VCPUID) -> Int? {
        let guess = Int(truncatingIfNeeded: vcpu.rawValue)
        if UInt(bitPattern: guess) < UInt(bitPattern: count) && ids[guess] == vcpu.rawValue { return slots[guess] }
        return search(vcpu)
    }

    private mutating func search(_ vcpu: VCPUID) -> Int? {
        let p = lowerBound(vcpu.rawValue)
        return p < count && ids[p] == vcpu.rawValue ? slots[p] : nil
    }

    /// Records `vcpu` in `slot`; the caller has checked it is not there yet and
    /// that there is room.
    mutating func insert(_ vcpu: VCPUID, slot: Int) {
        let p = lowerBound(vcpu.rawValue)
        var i = count
        while i > p {
            ids[i] = ids[i - 1]
            slots[i] = slots[i - 1]
            i -= 1
        }
        ids[p] = vcpu.rawValue
        slots[p] = slot
        count += 1
    }

    mutating func remove(_ vcpu: VCPUID) {
        let p = lowerBound(vcpu.rawValue)
        guard p < count && ids[p] == vcpu.rawValue else { return }
        for i in p..<(count - 1) {
            ids[i] = ids[i + 1]
            slots[i] = slots[i + 1]
        }
        count -= 1
    }

    /// The first position whose id is >= `id`.
    private mutating func lowerBound(_ id: UInt32) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
