import HypervisorCore
import XCTest

final class TimeTests: XCTestCase {
    func testInstantArithmeticSaturates() {
        let t = Instant(nanoseconds: 100)
        XCTAssertEqual(t + .microseconds(1), Instant(nanoseconds: 1_100))
        XCTAssertEqual(Instant(nanoseconds: .max - 1) + .milliseconds(1), .never)
        XCTAssertEqual(t - TimeSpan(nanoseconds: 500), .zero)
        XCTAssertEqual(t.since(Instant(nanoseconds: 40)), TimeSpan(nanoseconds: 60))
        XCTAssertEqual(t.since(Instant(nanoseconds: 400)), .zero, "a later instant gives no time")
    }

    func testSpanArithmeticClampsAtZeroAndSaturatesAtMax() {
        XCTAssertEqual(TimeSpan.milliseconds(3) - .milliseconds(5), .zero)
        XCTAssertEqual(TimeSpan(nanoseconds: .max) + .milliseconds(1), TimeSpan(nanoseconds: .max))
        var span = TimeSpan.milliseconds(10)
        span -= .milliseconds(4)
        span += .microseconds(500)
        XCTAssertEqual(span, TimeSpan(nanoseconds: 6_500_000))
        XCTAssertLessThan(TimeSpan.microseconds(999), .milliseconds(1))
    }
}
