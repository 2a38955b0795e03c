// From interfaces to SEDF parameters (rounding that keeps the guarantee) and
// the exact admission of several interfaces on one CPU.
import HypervisorCore
import InterfaceAnalysis
import XCTest

final class AnalysisMappingTests: XCTestCase {
    func testMicrosecondsConvertExactly() throws {
        let interface = try ComponentInterface(resource: gamma(10, 7), overhead: 1)
        let sedf = try interface.sedfParameters(scale: UnitScale(nanoseconds: 1_000))
        XCTAssertEqual(sedf, SEDFParameters(period: .microseconds(10), slice: .microseconds(8)))
        XCTAssertNoThrow(try sedf.validate())
    }

    func testPeriodRoundsDownAndSliceRoundsUp() throws {
        // One 24 MHz tick is 125/3 ns: 10 ticks = 416.67 ns -> 416; 8 ticks = 333.33 ns -> 334.
        let interface = try ComponentInterface(resource: gamma(10, 7), overhead: 1)
        let sedf = try interface.sedfParameters(scale: UnitScale(nanoseconds: 125, perUnits: 3), extratime: true)
        XCTAssertEqual(sedf.period, TimeSpan(nanoseconds: 416))
        XCTAssertEqual(sedf.slice, TimeSpan(nanoseconds: 334))
        XCTAssertTrue(sedf.extratime)
    }

    func testUnrepresentableSlices() throws {
        // Half a nanosecond per unit: Γ(3, 3) becomes period 1 ns, slice 2 ns.
        let full = try ComponentInterface(resource: gamma(3, 3), overhead: 0)
        XCTAssertThrowsError(try full.sedfParameters(scale: UnitScale(nanoseconds: 1, perUnits: 2))) {
            XCTAssertEqual($0 as? AnalysisError, .sliceNotRepresentable)
        }
        // A zero slice cannot be an SEDF reservation.
        let empty = try ComponentInterface(resource: gamma(3, 0), overhead: 0)
        XCTAssertThrowsError(try empty.sedfParameters(scale: UnitScale(nanoseconds: 1))) {
            XCTAssertEqual($0 as? AnalysisError, .sliceNotRepresentable)
        }
        let long = try ComponentInterface(resource: gamma(.max, 1), overhead: 0)
        XCTAssertThrowsError(try long.sedfParameters(scale: UnitScale(nanoseconds: 1_000))) {
            XCTAssertEqual($0 as? AnalysisError, .arithmeticOverflow)
        }
        XCTAssertThrowsError(try UnitScale(nanoseconds: 0)) { XCTAssertEqual($0 as? AnalysisError, .invalidUnitScale) }
        XCTAssertThrowsError(try UnitScale(nanoseconds: 1, perUnits: 0)) { XCTAssertEqual($0 as? AnalysisError, .invalidUnitScale) }
    }

    func testInterfaceNeedsRoomForTheOverhead() {
        XCTAssertThrowsError(try ComponentInterface(resource: gamma(10, 8), overhead: 3)) {
            XCTAssertEqual($0 as? AnalysisError, .sliceNotRepresentable)
        }
        XCTAssertThrowsError(try ComponentInterface(resource: gamma(.max, 5), overhead: .max)) {
            XCTAssertEqual($0 as? AnalysisError, .sliceNotRepresentable)
        }
    }

    func testAdmissionCountsTheOverhead() throws {
        let a = try ComponentInterface(resource: gamma(10, 4), overhead: 1)  // 5/10
        let b = try ComponentInterface(resource: gamma(4, 2), overhead: 0)   // 2/4
        XCTAssertNoThrow(try InterfaceAnalysis.checkAdmission([a, b].span))  // exactly 1
        let c = try ComponentInterface(resource: gamma(10, 4), overhead: 2)  // 6/10
        XCTAssertThrowsError(try InterfaceAnalysis.checkAdmission([c, b].span)) {
            XCTAssertEqual($0 as? AnalysisError, .overloaded)
        }
        // 1/3 + 1/3 + 1/3 = 1 exactly; a tiny extra 1/10^18 tips it over.
        let third = try ComponentInterface(resource: gamma(3, 1), overhead: 0)
        XCTAssertNoThrow(try InterfaceAnalysis.checkAdmission([third, third, third].span))
        let tiny = try ComponentInterface(resource: gamma(1_000_000_000_000_000_000, 1), overhead: 0)
        XCTAssertThrowsError(try InterfaceAnalysis.checkAdmission([third, third, third, tiny].span)) {
            XCTAssertEqual($0 as? AnalysisError, .overloaded)
        }
        XCTAssertNoThrow(try InterfaceAnalysis.checkAdmission([ComponentInterface]().span))
    }
}
