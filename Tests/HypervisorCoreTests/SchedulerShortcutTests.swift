import XCTest
@testable import HypervisorCore
import TestSupport

/// The schedulers' in-line shortcuts answer what the general code answers.
final class SchedulerShortcutTests: XCTestCase {
    /// productIsAtMost's 32 x 32 case against 128-bit products, for factors
    /// on both sides of 2^32 (the shortcut's edge) and at the extremes.
    func testProductComparisonMatchesFullWidthProducts() {
        var random = SplitMix64(seed: 7)
        let edges: [UInt64] = [0, 1, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0001, .max]
        func factor() -> UInt64 {
            switch UInt32.random(in: 0..<4, using: &random) {
            case 0: return edges[Int.random(in: 0..<edges.count, using: &random)]
            case 1: return UInt64.random(in: 0...0xFFFF_FFFF, using: &random)
            case 2: return UInt64.random(in: 0xFFFF_0000...0x1_0001_0000, using: &random)
            default: return UInt64.random(in: 0...UInt64.max, using: &random)
            }
        }
        for _ in 0..<200_000 {
            let (a, b, c, d) = (factor(), factor(), factor(), factor())
            let left = a.multipliedFullWidth(by: b), right = c.multipliedFullWidth(by: d)
            let expected = left.high < right.high || (left.high == right.high && left.low <= right.low)
            XCTAssertEqual(productIsAtMost(a, b, c, d), expected, "\(a) * \(b) <= \(c) * \(d)")
            if productIsAtMost(a, b, c, d) != expected { return }
        }
    }

    /// SlotSet.firstWrapping(after:) against the two searches it replaces, for
    /// one word (8 and 32 slots) and several (64).
    func testFirstWrappingMatchesTheTwoSearches() {
        var random = SplitMix64(seed: 11)
        check(SlotSet<8>(), capacity: 8, random: &random)
        check(SlotSet<32>(), capacity: 32, random: &random)
        check(SlotSet<64>(), capacity: 64, random: &random)
    }

    /// SlotHeap.insert and removeFirst (SEDF's release) against set and
    /// remove, on two heaps driven by the same random operations, with many
    /// equal keys (ties broken by slot): the same first slot after every step.
    func testInsertAndRemoveFirstMatchSetAndRemove() {
        var random = SplitMix64(seed: 13)
        for _ in 0..<500 {
            var shortcut = SlotHeap<16>(), general = SlotHeap<16>()
            for _ in 0..<200 {
                let slot = Int(UInt32.random(in: 0..<16, using: &random))
                if shortcut.contains(slot) {
                    if UInt32.random(in: 0..<2, using: &random) == 0, let first = general.first {
                        shortcut.removeFirst()
                        general.remove(first)
                    } else {
                        shortcut.remove(slot)
                        general.remove(slot)
                    }
                } else {
                    let key = UInt64.random(in: 0..<8, using: &random), tie = UInt64(slot)
                    shortcut.insert(slot, key: key, tie: tie)
                    general.set(slot, key: key, tie: tie)
                }
                XCTAssertEqual(shortcut.count, general.count)
                guard shortcut.first == general.first else { return XCTFail("first \(String(describing: shortcut.first)) != \(String(describing: general.first))") }
            }
        }
    }

    private func check<let capacity: Int>(_ empty: SlotSet<capacity>, capacity: Int, random: inout SplitMix64) {
        for _ in 0..<2000 {
            var set = empty
            for slot in 0..<capacity where UInt32.random(in: 0..<4, using: &random) == 0 { set.update(slot, member: true) }
            for after in -1..<capacity {
                let expected = set.first(from: after + 1) ?? set.first(from: 0)
                XCTAssertEqual(set.firstWrapping(after: after), expected, "capacity \(capacity), after \(after)")
            }
        }
    }
}
