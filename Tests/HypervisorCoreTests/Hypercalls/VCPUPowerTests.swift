import HypervisorCore
import XCTest

/// PSCI's CPU_ON, CPU_OFF and AFFINITY_INFO over a VM's VCPUs: argument
/// checks, state changes and the answers Linux relies on.
final class VCPUPowerTests: XCTestCase {
    private let memory = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x40_0000)

    private func failure(_ result: Result<VCPUStart, PSCIError>) -> PSCIResult? {
        if case .failure(let error) = result { return error.result }
        return nil
    }

    func testSecondariesStartOff() {
        let power = VCPUPower(vcpuCount: 3)
        XCTAssertEqual(power.state(of: 0), .on)
        XCTAssertEqual(power.state(of: 1), .off)
        XCTAssertEqual(power.state(of: 2), .off)
        XCTAssertEqual(power.awakeCount, 1)
    }

    func testCPUOnStartsAnOffSecondaryAtItsEntryWithItsContext() {
        var power = VCPUPower(vcpuCount: 2)
        XCTAssertEqual(try power.cpuOn(target: 1, entry: 0x8000_1001, contextID: 0xC0DE, memory: memory).get(),
                       VCPUStart(vcpu: 1, entry: 0x8000_1001, contextID: 0xC0DE), "bit 0 (Thumb) is allowed")
        XCTAssertEqual(power.state(of: 1), .onPending)
        XCTAssertEqual(failure(power.cpuOn(target: 1, entry: 0x8000_0000, contextID: 0, memory: memory)), .onPending)
        power.started(1)
        XCTAssertEqual(power.state(of: 1), .on)
        XCTAssertEqual(failure(power.cpuOn(target: 1, entry: 0x8000_0000, contextID: 0, memory: memory)), .alreadyOn)
    }

    func testCPUOnRefusesVCPUsTheVMDoesNotHave() {
        var power = VCPUPower(vcpuCount: 2)
        for target: UInt32 in [2, 7, 0x100, 0x1_0001, 0x8000_0001] {
            XCTAssertEqual(failure(power.cpuOn(target: target, entry: 0x8000_0000, contextID: 0, memory: memory)),
                           .invalidParameters, "target \(String(target, radix: 16))")
        }
        XCTAssertEqual(failure(power.cpuOn(target: 0, entry: 0x8000_0000, contextID: 0, memory: memory)), .alreadyOn,
                       "the caller itself")
        XCTAssertEqual(power.state(of: 1), .off, "nothing changed")
    }

    func testCPUOnRefusesAnEntryOutsideGuestRAM() {
        var power = VCPUPower(vcpuCount: 2)
        XCTAssertEqual(failure(power.cpuOn(target: 1, entry: 0x8040_0000, contextID: 0, memory: memory)), .invalidAddress)
        XCTAssertEqual(failure(power.cpuOn(target: 1, entry: 0x7FFF_FFFC, contextID: 0, memory: memory)), .invalidAddress)
        XCTAssertEqual(power.state(of: 1), .off)
    }

    func testCPUOffAndTheLastVCPU() {
        var power = VCPUPower(vcpuCount: 2)
        _ = power.cpuOn(target: 1, entry: 0x8000_0000, contextID: 0, memory: memory)
        power.started(1)
        XCTAssertTrue(power.cpuOff(0), "VCPU 1 is still on")
        XCTAssertEqual(power.state(of: 0), .off)
        XCTAssertFalse(power.cpuOff(1), "no VCPU left")
        var single = VCPUPower(vcpuCount: 1)
        XCTAssertFalse(single.cpuOff(0))
    }

    func testAffinityInfo() {
        var power = VCPUPower(vcpuCount: 2)
        XCTAssertEqual(try power.affinityInfo(target: 0, lowestLevel: 0).get(), .on)
        XCTAssertEqual(try power.affinityInfo(target: 1, lowestLevel: 0).get(), .off)
        _ = power.cpuOn(target: 1, entry: 0x8000_0000, contextID: 0, memory: memory)
        XCTAssertEqual(try power.affinityInfo(target: 1, lowestLevel: 0).get(), .onPending)
        XCTAssertEqual([VCPUPowerState.on, .off, .onPending].map(\.rawValue), [0, 1, 2], "PSCI's encoding")
        for (target, level): (UInt32, UInt32) in [(2, 0), (0, 1), (0x100, 0)] {
            guard case .failure(let error) = power.affinityInfo(target: target, lowestLevel: level) else {
                return XCTFail("AFFINITY_INFO(\(target), \(level)) answered")
            }
            XCTAssertEqual(error.result, .invalidParameters)
        }
    }

    func testVirtualMPIDR() {
        XCTAssertEqual(VirtualMPIDR.value(ofVCPU: 0), 0x8000_0000)
        XCTAssertEqual(VirtualMPIDR.value(ofVCPU: 3), 0x8000_0003)
        XCTAssertEqual(VirtualMPIDR.vcpu(named: VirtualMPIDR.affinity(ofVCPU: 3), vcpuCount: 4), 3)
        XCTAssertNil(VirtualMPIDR.vcpu(named: 4, vcpuCount: 4))
    }
}
