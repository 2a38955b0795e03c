import HypervisorCore
import XCTest

/// GICD_SGIR decoding: the three filters, target lists cut to the VCPUs a VM
/// has, the reserved filter, the SGI number.
final class SGIRequestTests: XCTestCase {
    private func sgir(filter: UInt32, list: UInt32, intid: UInt32) -> UInt32 { filter << 24 | list << 16 | intid }

    func testTargetListReachesOnlyListedVCPUsTheVMHas() throws {
        let request = try XCTUnwrap(SGIRequest(value: sgir(filter: 0, list: 0b1010_0110, intid: 5), sender: 0, vcpuCount: 3))
        XCTAssertEqual(request.intid, 5)
        XCTAssertEqual(request.targets, 0b110, "VCPUs 1 and 2 listed and present; 5 and 7 do not exist")
        XCTAssertFalse(request.reaches(0))
        XCTAssertTrue(request.reaches(1))
        XCTAssertTrue(request.reaches(2))
        XCTAssertEqual(SGIRequest(value: sgir(filter: 0, list: 0, intid: 1), sender: 0, vcpuCount: 4)?.targets, 0,
                       "an empty list reaches nobody")
        XCTAssertEqual(SGIRequest(value: sgir(filter: 0, list: 0xFF, intid: 1), sender: 2, vcpuCount: 8)?.targets, 0xFF,
                       "a list may name the sender too")
    }

    func testAllButSelf() {
        XCTAssertEqual(SGIRequest(value: sgir(filter: 1, list: 0, intid: 3), sender: 1, vcpuCount: 4)?.targets, 0b1101)
        XCTAssertEqual(SGIRequest(value: sgir(filter: 1, list: 0xFF, intid: 3), sender: 0, vcpuCount: 1)?.targets, 0,
                       "a VM with one VCPU has no one else; the list is ignored")
    }

    func testSelfOnlyIgnoresTheList() {
        XCTAssertEqual(SGIRequest(value: sgir(filter: 2, list: 0b1, intid: 15), sender: 2, vcpuCount: 3)?.targets, 0b100)
        XCTAssertEqual(SGIRequest(value: sgir(filter: 2, list: 0, intid: 15), sender: 2, vcpuCount: 3)?.intid, 15)
    }

    func testReservedFilterIsRefused() {
        XCTAssertNil(SGIRequest(value: sgir(filter: 3, list: 0xFF, intid: 0), sender: 0, vcpuCount: 2))
    }

    func testOnlyTheLowFourBitsNameTheSGI() {
        XCTAssertEqual(SGIRequest(value: 0x0000_801F, sender: 0, vcpuCount: 1)?.intid, 0xF,
                       "bits 15 (NSATT) and 4..14 are not part of the SGI number")
    }

    /// Through the distributor of a one-VCPU VM: self and a list naming CPU 0
    /// make the SGI pending; all-but-self and a list without CPU 0 do not.
    func testDistributorDeliversToTheSenderWhenItIsATarget() {
        for (value, pending) in [(sgir(filter: 2, list: 0, intid: 4), true), (sgir(filter: 0, list: 1, intid: 4), true),
                                 (sgir(filter: 1, list: 0xFF, intid: 4), false), (sgir(filter: 0, list: 0xFE, intid: 4), false)] {
            var gic = VirtualGIC(ownedPPIs: VirtualGIC.standardPPIs, passthroughSPIs: InterruptSet())
            XCTAssertEqual(gic.write(offset: 0xF00, width: .word, value: value).status, .ok)
            XCTAssertEqual(gic.isPending(4), pending, "SGIR \(String(value, radix: 16))")
        }
        var gic = VirtualGIC(ownedPPIs: VirtualGIC.standardPPIs, passthroughSPIs: InterruptSet())
        XCTAssertEqual(gic.write(offset: 0xF00, width: .word, value: sgir(filter: 3, list: 1, intid: 4)).status, .ignored(.reserved))
        XCTAssertFalse(gic.isPending(4))
    }
}
