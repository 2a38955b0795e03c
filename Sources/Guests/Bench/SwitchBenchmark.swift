import GuestRuntime
import HypervisorCore

/// Two bench VMs run this at once, handing the CPU to each other with
/// SCHEDOP_yield. A VM's gap across its own yield is: switch to the peer,
/// the peer's instructions from its counter read after its yield to its read
/// before the next one (its loop section, the same code as ours), and the
/// switch back. So one switch, as a guest sees it, is (gap - section) / 2.
enum SwitchBenchmark {
    /// Yields before recording: both VMs are in their loops after these.
    static let warmUp: UInt32 = 8
    static let capacity = 1024

    /// (gap, section) per yield, written by the machine-code loop.
    nonisolated(unsafe) static var pairs = InlineArray<2048, UInt32>(repeating: 0)
    nonisolated(unsafe) static var spare = InlineArray<2, UInt32>(repeating: 0)

    static func run(iterations: UInt32) -> (switches: Samples, roundTrips: Samples) {
        let count = min(iterations, UInt32(capacity))
        let loop = routine2(&yieldLoopCode)
        _ = loop(address(of: &pairs), warmUp)
        _ = loop(address(of: &pairs), count)
        // One more yield, unrecorded: the peer's last recorded yield then
        // returns straight away, not after this VM has printed its results.
        _ = loop(address(of: &spare), 1)
        // The first section starts at the loop's entry, not at a yield's
        // return: only the later ones are the loop section the peer runs.
        var section = pairs[1]
        if count > 1 {
            section = UInt32.max
            for index in 1..<Int(count) { section = min(section, pairs[2 * index + 1]) }
        }
        note("yield loop section (instructions): ", UInt64(widening: section))
        var switches = Samples("vm-switch")
        var roundTrips = Samples("yield-round-trip")
        for index in 0..<Int(count) {
            let gap = pairs[2 * index]
            roundTrips.record(gap)
            switches.record(gap > section ? (gap - section) / 2 : 0)
        }
        return (switches, roundTrips)
    }

    /// Yields until a yield comes straight back (no other VM ran in it), so
    /// later measurements have the CPU alone. The limit only guards a peer
    /// that never leaves.
    static func waitForPeerToLeave(alone threshold: UInt32) -> Bool {
        let loop = routine2(&yieldLoopCode)
        for _ in 0..<1000 {
            _ = loop(address(of: &spare), 1)
            if spare[0] < threshold { return true }
        }
        return false
    }
}
