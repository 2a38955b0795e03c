import HypervisorCore
import TestSupport
import XCTest

/// `ends-run;`: which VM's stop ends the run, read from the configuration,
/// and the rule that at most one VM has it.
final class EndsRunConfigTests: XCTestCase {
    private let platform = Platform.vexpressA15(ramSize: 256 << 20)
    private let endsRun = ("ends-run", [UInt8]())

    private func vm(_ index: Int, devices: [TestNode] = [], extra: [(String, [UInt8])] = []) -> TestNode {
        stackedVM(index, devices: devices, extra: extra)
    }

    private func load(_ vms: [TestNode]) -> Result<SystemConfig, ConfigError> {
        loadSampleSystem(vms, platform: platform)
    }

    func testTheFlaggedVMEndsTheRun() throws {
        let config = try load([vm(0), vm(1, extra: [endsRun]), vm(2)]).get()
        XCTAssertEqual((0..<3).map { config.vms[$0].endsRun }, [false, true, false])
    }

    func testNoVMEndsTheRunByDefault() throws {
        let config = try load([vm(0), vm(1)]).get()
        XCTAssertFalse(config.vms[0].endsRun || config.vms[1].endsRun)
    }

    func testASecondVMWithEndsRunIsRefusedNamingTheFirst() throws {
        guard case .failure(let error) = load([vm(0), vm(1, extra: [endsRun]), vm(2, extra: [endsRun])]) else {
            return XCTFail("two VMs with ends-run were accepted")
        }
        XCTAssertEqual(error.property, .endsRun)
        guard case .secondRunEnder = error.reason else { return XCTFail("\(error.reason)") }
        sampleConfigTree(vms: [vm(0), vm(1, extra: [endsRun]), vm(2, extra: [endsRun])]).blob().withUnsafeBytes { raw in
            var text = ByteBuffer()
            error.write(to: &text, fdt: try? FDT(raw))
            XCTAssertEqual(text.text, "/vm@2: property \"ends-run\": only one VM may end the run; /vm@1 already does")
        }
    }

    func testEndsRunTakesNoValue() {
        guard case .failure(let error) = load([vm(0, extra: [("ends-run", TestNode.cells(1))])]) else {
            return XCTFail("ends-run = <1> was accepted")
        }
        XCTAssertEqual(error.reason, .notAFlag(bytes: 4))
        XCTAssertEqual(error.property, .endsRun)
    }
}
