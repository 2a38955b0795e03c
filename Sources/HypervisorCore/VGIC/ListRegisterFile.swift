// Which interrupt each list register of a VCPU holds, and what the GICH
// hardware holds in it (the value the last fill wrote or the last sync read).

struct ListRegisterFile: Sendable {
    static let count = 4
    static let none: UInt32 = 0xFFFF_FFFF

    /// INTID held by each list register, `none` when free.
    var intids: InlineArray<4, UInt32>
    /// The value the hardware list register holds (VirtualGIC.recordHardware sets it);
    /// 0 also for an entry the guest completed that the sync recorded as empty.
    var hardware: InlineArray<4, UInt32>
    /// The INTIDs in `intids`, as a set.
    var occupied: InterruptSet

    init() {
        intids = InlineArray(repeating: ListRegisterFile.none)
        hardware = InlineArray(repeating: 0)
        occupied = InterruptSet()
    }

    @inline(__always)
    mutating func free(_ slot: Int) {
        if intids[slot] != ListRegisterFile.none { occupied.remove(intids[slot]) }
        intids[slot] = ListRegisterFile.none
    }

    @inline(__always)
    mutating func put(_ intid: UInt32, in slot: Int) {
        intids[slot] = intid
        occupied.insert(intid)
    }

    @inline(__always)
    var firstFree: Int? {
        for slot in 0..<ListRegisterFile.count where intids[slot] == ListRegisterFile.none { return slot }
        return nil
    }

    /// The list register holding `intid`.
    @inline(__always)
    func slot(of intid: UInt32) -> Int? {
        for slot in 0..<ListRegisterFile.count where intids[slot] == intid { return slot }
        return nil
    }
}

/// What to load into the GICH before entering the VCPU.
public struct ListRegisterLoad: Equatable, Sendable {
    /// GICH_LR0..3.
    public var values: InlineArray<4, UInt32>
    /// GICH_HCR.
    public var control: UInt32
    /// Bit n set: `values[n]` differs from what the hardware list register holds
    /// (as read by the last `sync`). Writing only those is enough when the list
    /// registers still hold this VCPU's state; after running another VCPU, write all.
    public var changed: UInt8
    /// Interrupts that could be signalled but did not fit the list registers.
    public var waiting: Int

    public static let count = 4

    public init(values: InlineArray<4, UInt32>, control: UInt32, changed: UInt8, waiting: Int) {
        self.values = values
        self.control = control
        self.changed = changed
        self.waiting = waiting
    }

    public static func == (a: ListRegisterLoad, b: ListRegisterLoad) -> Bool {
        for slot in 0..<count where a.values[slot] != b.values[slot] { return false }
        return a.control == b.control && a.changed == b.changed && a.waiting == b.waiting
    }
}

/// What the guest did with its list registers while it ran.
public struct ListRegisterSync: Equatable, Sendable {
    /// Interrupts whose pending instance the guest acknowledged (read GICV_IAR).
    public var acknowledged: InterruptSet
    /// Interrupts whose active instance the guest completed (EOI / deactivation).
    /// For hardware-linked ones the GIC has deactivated the physical interrupt.
    public var completed: InterruptSet

    public init(acknowledged: InterruptSet = InterruptSet(), completed: InterruptSet = InterruptSet()) {
        self.acknowledged = acknowledged
        self.completed = completed
    }
}
