import XCTest
@testable import GuestKit
import HypervisorCore

/// The RT guest's device options: output=, io=, io-task=.
final class RTGuestIOTests: XCTestCase {
    private let tasks = "policy=edf tasks=10000:1000,20000:2000 duration=100"

    private func io(_ extra: String) throws -> RTGuestIO {
        try bootArguments("\(tasks) \(extra)") { try RTGuestArguments($0).io }
    }

    private func problem(_ extra: String) -> (String, GuestArgumentError.Problem)? {
        bootArguments("\(tasks) \(extra)") { arguments in
            do throws(GuestArgumentError) {
                _ = try RTGuestArguments(arguments)
                return nil
            } catch {
                return ("\(error.key)", error.problem)
            }
        }
    }

    func testDefaultsAreTheConsoleAndNoIO() throws {
        XCTAssertEqual(try io(""), RTGuestIO(output: .console, path: .none, task: 0))
    }

    func testDirectIONamesTheTransportInterruptAndPhysicalBase() throws {
        let parsed = try io("output=uart1 io=direct virtio=0x1c130400 irq=74 io-task=1 physical-base=0x81400000")
        XCTAssertEqual(parsed, RTGuestIO(output: .uart1, path: .direct(transport: 0x1C13_0400, interrupt: 74,
                                                                       physicalBase: 0x8140_0000), task: 1))
    }

    func testSplitIONeedsNoDeviceKeys() throws {
        // The disk is found through xenstore when the guest runs.
        XCTAssertEqual(try io("io=split").path, .split)
    }

    func testBadDeviceOptionsNameTheirKey() {
        XCTAssertEqual(problem("output=uart7")?.0, "output")
        XCTAssertEqual(problem("io=disk")?.0, "io")
        XCTAssertEqual(problem("io=direct irq=74 physical-base=0x81400000")?.0, "virtio")
        XCTAssertEqual(problem("io=direct virtio=0x1c130410 irq=74 physical-base=0x81400000")?.1, .outOfRange)
        XCTAssertEqual(problem("io=direct virtio=0x1c130400 irq=7 physical-base=0x81400000")?.0, "irq")
        XCTAssertEqual(problem("io=direct virtio=0x1c130400 irq=74")?.0, "physical-base")
        XCTAssertEqual(problem("io=direct virtio=0x1c130400 irq=74 physical-base=0x81400000 io-task=2")?.0, "io-task")
    }
}
