import ApusTools
import Foundation
import HypervisorCore
import XCTest

/// The boot device tree reader and check, on the trees QEMU generates for
/// virt (dumped at test time with `-M virt,...,dumpdtb=`) and on a vexpress-a15
/// tree laid out like Linux's vexpress-v2p-ca15-tc1 (QEMU's vexpress-a15 makes
/// none of its own), compiled with dtc.
final class BootTreeTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("apus-boottree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, arguments.joined(separator: " "))
    }

    /// QEMU's own tree for `machine` with `ram` of memory.
    private func dumpedTree(_ machine: String, ram: String = "256M") throws -> [UInt8] {
        let file = folder.appendingPathComponent("dumped-\(UUID().uuidString).dtb")
        try run(["qemu-system-arm", "-M", "\(machine),dumpdtb=\(file.path)", "-cpu", "cortex-a15", "-m", ram,
                 "-display", "none", "-audiodev", "none,id=none"])
        return [UInt8](try Data(contentsOf: file))
    }

    private func compiledTree(_ source: String) throws -> [UInt8] {
        let dts = folder.appendingPathComponent("tree.dts"), dtb = folder.appendingPathComponent("tree.dtb")
        try source.write(to: dts, atomically: true, encoding: .utf8)
        try run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb.path, dts.path])
        return [UInt8](try Data(contentsOf: dtb))
    }

    private func facts(_ blob: [UInt8]) throws -> BootTreeFacts {
        try blob.withUnsafeBytes { try BootTreeFacts(reading: FDT($0)) }
    }

    private func mismatch(_ facts: BootTreeFacts, _ platform: Platform, counter: UInt64 = 62_500_000) -> BootTreeMismatch? {
        do {
            try facts.check(against: platform, counterRegister: counter)
            return nil
        } catch {
            return error
        }
    }

    private func message(_ error: BootTreeMismatch?) -> String? {
        error.map { mismatch in StringSink.render { mismatch.write(to: &$0) } }
    }

    private let virt = Platform.qemuVirt(ramSize: 256 << 20)
    private let vexpress = Platform.vexpressA15(ramSize: 256 << 20)

    func testQEMUsVirtTreeAgreesWithTheVirtDescription() throws {
        let tree = try facts(try dumpedTree("virt,virtualization=on"))
        XCTAssertEqual(tree.memoryCount, 1)
        XCTAssertEqual(tree.memory[0], virt.ram)
        XCTAssertEqual(tree.gicFrames[0], virt.gic.distributor.base)
        XCTAssertEqual(tree.gicFrames[1], virt.gic.cpuInterface.base)
        XCTAssertEqual(tree.gicFrames[2], virt.gic.hypInterface.base)
        XCTAssertEqual(tree.gicFrames[3], virt.gic.virtualCPUInterface.base)
        XCTAssertEqual(tree.maintenanceInterrupt, 25)
        XCTAssertEqual(tree.physicalTimerInterrupt, 30)
        XCTAssertEqual(tree.virtualTimerInterrupt, 27)
        XCTAssertEqual(tree.hypTimerInterrupt, 26)
        XCTAssertNil(tree.timerFrequency)
        XCTAssertEqual(tree.console, virt.console.base)
        XCTAssertEqual(tree.psci, .smc)
        XCTAssertNil(mismatch(tree, virt))
        XCTAssertEqual(tree.counterFrequency(register: 0, platform: virt), virt.counterFrequency)
    }

    func testVirtsTreeDisagreesWithVexpressNamingBothValues() throws {
        let tree = try facts(try dumpedTree("virt,virtualization=on"))
        XCTAssertEqual(message(mismatch(tree, vexpress)),
                       "the boot device tree disagrees with platform vexpress-a15: memory 0x40000000-0x4fffffff in the tree, 0x80000000-0x8fffffff built in")
        var sameRAM = tree
        sameRAM.memory[0] = vexpress.ram
        XCTAssertEqual(message(mismatch(sameRAM, vexpress)),
                       "the boot device tree disagrees with platform vexpress-a15: GIC distributor 0x08000000 in the tree, 0x2c001000 built in")
    }

    func testLessRAMThanBuiltInIsADisagreement() throws {
        let tree = try facts(try dumpedTree("virt,virtualization=on", ram: "192M"))
        XCTAssertEqual(message(mismatch(tree, virt)),
                       "the boot device tree disagrees with platform virt: memory 0x40000000-0x4bffffff in the tree, 0x40000000-0x4fffffff built in")
        XCTAssertNil(mismatch(try facts(try dumpedTree("virt,virtualization=on", ram: "512M")), virt), "more RAM is fine")
    }

    /// With TrustZone on, QEMU's virt has no PSCI firmware: virt powers off through PSCI.
    func testNoPSCIOnSecureVirtIsADisagreement() throws {
        let tree = try facts(try dumpedTree("virt,virtualization=on,secure=on"))
        XCTAssertNil(tree.psci)
        XCTAssertEqual(message(mismatch(tree, virt)),
                       "the boot device tree disagrees with platform virt: PSCI none in the tree, SYSTEM_OFF by SMC built in")
        var withoutPSCI = virt
        withoutPSCI.powerOff = vexpress.powerOff
        XCTAssertNil(mismatch(tree, withoutPSCI), "a platform that does not power off through PSCI does not need it")
    }

    private static let vexpressSource = """
        /dts-v1/;
        / {
            #address-cells = <1>;
            #size-cells = <1>;
            aliases { serial0 = "/smb@8000000/motherboard/iofpga@3,00000000/uart@90000"; };
            chosen { stdout-path = "serial0:38400n8"; };
            memory@80000000 { device_type = "memory"; reg = <0x80000000 0x40000000>; };
            interrupt-controller@2c001000 {
                compatible = "arm,cortex-a15-gic", "arm,cortex-a9-gic";
                #interrupt-cells = <3>;
                interrupt-controller;
                reg = <0x2c001000 0x1000>, <0x2c002000 0x2000>, <0x2c004000 0x2000>, <0x2c006000 0x2000>;
                interrupts = <1 9 0xf04>;
            };
            timer {
                compatible = "arm,armv7-timer";
                interrupts = <1 13 0xf08>, <1 14 0xf08>, <1 11 0xf08>, <1 10 0xf08>;
                %FREQUENCY%
            };
            smb@8000000 {
                compatible = "simple-bus";
                #address-cells = <2>;
                #size-cells = <1>;
                ranges = <0 0 0x08000000 0x04000000>, <1 0 0x14000000 0x04000000>,
                         <2 0 0x18000000 0x04000000>, <3 0 0x1c000000 0x04000000>;
                motherboard {
                    #address-cells = <2>;
                    #size-cells = <1>;
                    ranges;
                    iofpga@3,00000000 {
                        compatible = "simple-bus";
                        #address-cells = <1>;
                        #size-cells = <1>;
                        ranges = <0 3 0 0x200000>;
                        uart@90000 { compatible = "arm,pl011", "arm,primecell"; reg = <0x090000 0x1000>; };
                    };
                };
            };
        };
        """

    /// Linux's vexpress layout: the console behind two levels of `ranges` and
    /// an alias; the tree has more RAM than the build assumed.
    func testAVexpressTreeIsTranslatedAndAgrees() throws {
        let tree = try facts(try compiledTree(Self.vexpressSource.replacingOccurrences(of: "%FREQUENCY%", with: "")))
        XCTAssertEqual(tree.console, PhysicalAddress(VexpressA15Devices.uart0))
        XCTAssertEqual(tree.gicFrames[0], vexpress.gic.distributor.base)
        XCTAssertNil(tree.psci)
        XCTAssertNil(mismatch(tree, vexpress))
        XCTAssertEqual(message(mismatch(tree, virt)),
                       "the boot device tree disagrees with platform virt: memory 0x80000000-0xbfffffff in the tree, 0x40000000-0x4fffffff built in")
    }

    /// clock-frequency matters only when CNTFRQ reads 0; then it must be the description's.
    func testTimerClockFrequencyIsCheckedWhenTheRegisterReadsZero() throws {
        let tree = try facts(try compiledTree(Self.vexpressSource.replacingOccurrences(
            of: "%FREQUENCY%", with: "clock-frequency = <24000000>;")))
        XCTAssertEqual(tree.timerFrequency, 24_000_000)
        XCTAssertNil(mismatch(tree, vexpress, counter: 62_500_000))
        XCTAssertEqual(message(mismatch(tree, vexpress, counter: 0)),
                       "the boot device tree disagrees with platform vexpress-a15: timer clock-frequency 24000000 Hz in the tree, 62500000 Hz built in")
        XCTAssertEqual(tree.counterFrequency(register: 50_000_000, platform: vexpress), 50_000_000)

        let agreeing = try facts(try compiledTree(Self.vexpressSource.replacingOccurrences(
            of: "%FREQUENCY%", with: "clock-frequency = <62500000>;")))
        XCTAssertNil(mismatch(agreeing, vexpress, counter: 0))
        XCTAssertEqual(agreeing.counterFrequency(register: 0, platform: vexpress), 62_500_000)
    }
}
