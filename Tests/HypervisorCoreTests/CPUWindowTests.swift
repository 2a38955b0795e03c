import HypervisorCore
import XCTest

/// The power-off report's common window: CPU time per VCPU from the common
/// admission to the first VCPU's stop, charged at the switch points.
final class CPUWindowTests: XCTestCase {
    func testChargesEachRunToItsVCPUUntilTheFirstStop() {
        var window = CPUWindow<4>()
        window.open(at: at(us: 100))
        window.switched(to: 0, at: at(us: 110))   // 10 us idle before the first dispatch
        window.switched(to: 1, at: at(us: 150))   // 0 ran 40
        window.switched(to: nil, at: at(us: 170)) // 1 ran 20
        window.switched(to: 0, at: at(us: 200))   // 30 idle
        window.close(at: at(us: 260))             // 0 ran 60 more: the window ends
        window.switched(to: 1, at: at(us: 300))   // after the end: not counted
        window.close(at: at(us: 400))
        XCTAssertEqual(window.length, .microseconds(160))
        XCTAssertEqual(window.received(0), .microseconds(100))
        XCTAssertEqual(window.received(1), .microseconds(20))
        XCTAssertEqual(window.received(2), .zero)
        XCTAssertEqual(window.received(7), .zero, "outside the capacity")
    }

    func testWithoutOpenTheWindowStartsAtTheFirstDispatch() {
        var window = CPUWindow<2>()
        window.admitted(0, at: at(us: 2))
        window.admitted(1, at: at(us: 4))
        XCTAssertEqual(window.length, .zero)
        window.switched(to: nil, at: at(us: 5))
        window.close(at: at(us: 6))
        XCTAssertNil(window.start, "nothing ran: no window")
        window.switched(to: 1, at: at(us: 10))
        window.close(at: at(us: 25))
        XCTAssertEqual(window.start, at(us: 10))
        XCTAssertEqual(window.received(1), .microseconds(15))
        XCTAssertEqual(window.length, .microseconds(15))
        XCTAssertEqual(window.admittedBefore(0), .microseconds(8))
        XCTAssertEqual(window.admittedBefore(1), .microseconds(6))
    }
}
