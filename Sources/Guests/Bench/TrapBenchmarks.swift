/// Round trips into the hypervisor that return to the same VCPU. Each sample
/// is the PMCCNTR difference across one instruction minus the difference
/// across nothing (two back-to-back reads), so it counts the trapping
/// instruction, the exception entry, the hypervisor's whole path and the
/// return to the guest.
enum TrapBenchmarks {
    /// Two back-to-back reads: the offset every other sample has removed.
    static func counterRead(iterations: UInt32) -> Samples {
        var samples = Samples("counter-read")
        let read = routine0(&counterReadCode)
        for _ in 0..<iterations { samples.record(read()) }
        return samples
    }

    /// xen_version: the hypercall with the least work behind it.
    static func hypercall(iterations: UInt32, readCost: UInt32) -> Samples {
        var samples = Samples("hypercall")
        let call = routine0(&hypercallCode)
        for _ in 0..<iterations { samples.record(call() &- readCost) }
        return samples
    }

    /// An ACTLR read: trapped (HCR.TAC), decoded and emulated by the hypervisor.
    static func trappedRead(iterations: UInt32, readCost: UInt32) -> Samples {
        var samples = Samples("trap")
        let read = routine0(&trappedReadCode)
        for _ in 0..<iterations { samples.record(read() &- readCost) }
        return samples
    }
}
