// The measuring build's census sorts traps by kind from the syndrome, r12 and
// the MMIO region hit, and interrupts by INTID.
import HypervisorCore
import XCTest

final class TrapKindTests: XCTestCase {
    func hsr(_ ec: UInt32, _ iss: UInt32) -> UInt32 { ec << 26 | 1 << 25 | iss }

    func testHypercallsByFamily() {
        let xen = hsr(0x12, 0xEA1)
        XCTAssertEqual(TrapKind.trap(syndrome: xen, hypercall: 17, region: nil), .xenVersion)
        XCTAssertEqual(TrapKind.trap(syndrome: xen, hypercall: 18, region: nil), .consoleIO)
        XCTAssertEqual(TrapKind.trap(syndrome: xen, hypercall: 32, region: nil), .eventChannelOp)
        XCTAssertEqual(TrapKind.trap(syndrome: xen, hypercall: 34, region: nil), .hvmOp)
        XCTAssertEqual(TrapKind.trap(syndrome: xen, hypercall: 24, region: nil), .vcpuOp)
        XCTAssertEqual(TrapKind.trap(syndrome: xen, hypercall: 999, region: nil), .otherXen)
        XCTAssertEqual(TrapKind.trap(syndrome: hsr(0x12, 0), hypercall: 17, region: nil), .psci, "hvc #0 is PSCI's")
        XCTAssertEqual(TrapKind.trap(syndrome: hsr(0x12, 7), hypercall: 17, region: nil), .otherHVC)
    }

    func testDataAbortsByRegionAndTheRest() {
        let abort = hsr(0x24, 1 << 24)
        XCTAssertEqual(TrapKind.trap(syndrome: abort, hypercall: 0, region: .distributor), .distributor)
        XCTAssertEqual(TrapKind.trap(syndrome: abort, hypercall: 0, region: .forwarded), .forwarded)
        XCTAssertEqual(TrapKind.trap(syndrome: abort, hypercall: 0, region: nil), .refusedAccess)
        XCTAssertEqual(TrapKind.trap(syndrome: hsr(0x03, 0), hypercall: 0, region: nil), .cp15)
        XCTAssertEqual(TrapKind.trap(syndrome: hsr(0x01, 0), hypercall: 0, region: nil), .wfi)
        XCTAssertEqual(TrapKind.trap(syndrome: hsr(0x01, 1), hypercall: 0, region: nil), .wfe)
        XCTAssertEqual(TrapKind.trap(syndrome: hsr(0x13, 0), hypercall: 0, region: nil), .otherTrap)
    }

    func testInterruptsByINTID() {
        func kind(_ intid: UInt32) -> TrapKind { TrapKind.interrupt(intid, hypTimer: 26, maintenance: 25, virtualTimer: 27) }
        XCTAssertEqual(kind(26), .hypTimer)
        XCTAssertEqual(kind(25), .maintenance)
        XCTAssertEqual(kind(27), .virtualTimer)
        XCTAssertEqual(kind(37), .device)
        XCTAssertEqual(kind(1023), .otherInterrupt, "spurious")
        XCTAssertEqual(kind(30), .otherInterrupt)
    }

    func testNamesAreDistinctWords() {
        var names = Set<String>()
        for k in 0..<TrapKind.count {
            let name = TrapKind(rawValue: k)!.name.description
            XCTAssertFalse(name.contains(" "), name)
            names.insert(name)
        }
        XCTAssertEqual(names.count, TrapKind.count)
        XCTAssertNil(TrapKind(rawValue: TrapKind.count))
    }
}
