import ApusTools
import Foundation
import HypervisorCore
import XCTest

/// The platform descriptions, the files the build derives from them, and
/// `apus check --platform`.
final class PlatformTests: XCTestCase {
    private static let repository = CheckRulesTests.repository
    private static let platforms: [PlatformKind] = [.vexpressA15, .qemuVirt]
    private var images: URL!

    override func setUpWithError() throws {
        images = FileManager.default.temporaryDirectory.appendingPathComponent("apus-platform-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for name in ["rt.bin", "load.bin", "hostile.bin", "ping.bin", "paging.bin", "echo.bin", "smp.bin", "vfp.bin"] {
            try GuestImageFixture.bytes().write(to: images.appendingPathComponent(name))
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: images) }

    private func check(_ config: String, on platform: PlatformKind) throws -> CheckOutcome {
        try ConfigCheck.check(path: config.hasPrefix("/") ? config : Self.repository.appendingPathComponent(config).path,
                              options: CheckOptions(imagesDirectory: images.path, ramMiB: 256, platform: platform))
    }

    func testNamesRoundTripAndListEveryPlatform() {
        XCTAssertEqual(PlatformKind.all, Self.platforms)
        for kind in Self.platforms { XCTAssertEqual(PlatformKind(named: kind.nameText), kind) }
        XCTAssertNil(PlatformKind(named: "vexpress"))
        XCTAssertEqual(PlatformKind.acceptedNames, "vexpress-a15, virt")
    }

    /// Each description is consistent: its GIC frames, console and devices lie
    /// outside RAM, the console is one of its device regions, device
    /// interrupts are SPIs it allows, and guests' GIC sits where no RAM is.
    func testDescriptionsAreConsistent() {
        for kind in Self.platforms {
            let platform = kind.platform(ramSize: 256 << 20)
            XCTAssertEqual(platform.kind, kind)
            let gic = [platform.gic.distributor, platform.gic.cpuInterface, platform.gic.hypInterface, platform.gic.virtualCPUInterface]
            for frame in gic { XCTAssertFalse(frame.overlaps(platform.ram), "\(kind) \(frame)") }
            XCTAssertEqual(platform.deviceRegion(containing: platform.console.base)?.firstInterrupt, platform.console.interrupt, "\(kind)")
            for i in 0..<platform.deviceRegionCount {
                let region = platform.deviceRegions[i]
                XCTAssertFalse(region.range.overlaps(platform.ram), "\(kind) \(region.name)")
                XCTAssertGreaterThanOrEqual(region.firstInterrupt, platform.firstSPI, "\(kind) \(region.name)")
                XCTAssertLessThanOrEqual(region.firstInterrupt + region.interruptCount - 1, platform.lastSPI, "\(kind) \(region.name)")
                for frame in gic { XCTAssertFalse(region.range.overlaps(frame), "\(kind) \(region.name)") }
            }
            XCTAssertEqual(platform.interrupts.maintenance, 25)
            XCTAssertEqual(platform.hypervisorReserved.base, platform.ram.base)
            XCTAssertEqual(platform.ram.size, 256 << 20)
        }
        XCTAssertEqual(PlatformKind.qemuVirt.platform(ramSize: 4 << 30).ram.size, 2 << 30, "clamped to the machine's maximum")
    }

    /// board.h carries the description's facts; the HYP map maps RAM as
    /// normal memory and only the blocks holding the board's registers as device.
    func testBoardHeaderCarriesTheDescription() {
        let vexpress = Platform.vexpressA15(ramSize: 256 << 20)
        let header = BoardFiles.header(for: vexpress)
        for line in ["#define BOARD_KIND                  1", "#define BOARD_RAM_BASE              0x80000000",
                     "#define BOARD_GICD_BASE             0x2C001000", "#define BOARD_GICC_BASE             0x2C002000",
                     "#define BOARD_GICH_BASE             0x2C004000", "#define BOARD_CONSOLE_BASE          0x1C090000",
                     "#define BOARD_COUNTER_FREQUENCY     62500000U", "#define BOARD_POWER_OFF_SYSCTL      1",
                     "#define BOARD_SYSCTL_REGISTER       0x1C0100A4", "#define BOARD_SYSCTL_SHUTDOWN       0xC0800000"] {
            XCTAssertTrue(header.contains(line + "\n") || header.contains(line + " "), "missing \(line) in\n\(header)")
        }
        XCTAssertEqual(BoardFiles.hypBlocks(of: vexpress), [.device, .unmapped, .normal, .unmapped])
        XCTAssertEqual(BoardFiles.linkerScript(for: vexpress).components(separatedBy: "\n")[1], "RAM_START = 0x80000000;")

        let virt = Platform.qemuVirt(ramSize: 256 << 20)
        let virtHeader = BoardFiles.header(for: virt)
        for line in ["#define BOARD_KIND                  2", "#define BOARD_RAM_BASE              0x40000000",
                     "#define BOARD_GICD_BASE             0x8000000", "#define BOARD_GICV_BASE             0x8040000",
                     "#define BOARD_CONSOLE_BASE          0x9000000", "#define BOARD_POWER_OFF_PSCI        1"] {
            XCTAssertTrue(virtHeader.contains(line + "\n") || virtHeader.contains(line + " "), "missing \(line) in\n\(virtHeader)")
        }
        XCTAssertFalse(virtHeader.contains("SYSCTL"), virtHeader)
        XCTAssertEqual(BoardFiles.hypBlocks(of: virt), [.device, .normal, .unmapped, .unmapped])
        XCTAssertEqual(BoardFiles.linkerScript(for: virt).components(separatedBy: "\n")[1], "RAM_START = 0x40000000;")
        XCTAssertEqual(BoardFiles.guestLinkerScript().components(separatedBy: "\n")[1], "PROVIDE(GUEST_RAM = 0x80000000);")
    }

    /// A VM without physical-base goes right after the one before it (the
    /// first: after the hypervisor's 16 MiB), on a 2 MiB boundary, so the
    /// paper's systems run unchanged on both machines.
    func testVMsWithoutPhysicalBaseArePlacedAfterTheHypervisor() throws {
        for (kind, first, second) in [(PlatformKind.vexpressA15, "0x81000000-0x813fffff", "0x81400000-0x81bfffff"),
                                      (.qemuVirt, "0x41000000-0x413fffff", "0x41400000-0x41bfffff")] {
            guard case .valid(let summary) = try check("Configs/paper-sedf.dts", on: kind) else {
                return XCTFail("paper-sedf.dts rejected on \(kind)")
            }
            XCTAssertTrue(summary.contains("-> physical \(first) (4 MiB)"), summary)
            XCTAssertTrue(summary.contains("-> physical \(second) (8 MiB)"), summary)
        }
    }

    /// Every configuration that names no device is valid on every platform.
    func testDeviceFreeConfigurationsAreValidOnEveryPlatform() throws {
        let folder = Self.repository.appendingPathComponent("Configs")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".dts") }.sorted()
        var checked = 0
        for name in names {
            let source = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            guard !source.contains("device@"), !source.contains("kernel = ") else { continue }  // Linux VMs: vexpress-a15 only so far
            for kind in Self.platforms {
                guard case .valid = try check("Configs/\(name)", on: kind) else { return XCTFail("\(name) rejected on \(kind)") }
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 9)
    }

    /// A device the platform does not have: the error names the node, the
    /// address and the platform.
    func testDeviceThePlatformLacksIsNamedWithThePlatform() throws {
        let config = images.appendingPathComponent("uart1.dts")
        try """
            /dts-v1/;
            / {
                compatible = "apus,system"; #address-cells = <1>; #size-cells = <1>;
                hypervisor { scheduler = "sedf"; };
                vm@0 {
                    compatible = "apus,vm"; memory = <0x80000000 0x00400000>; entry = <0x80000000>;
                    image = "rt.bin"; sedf = <10000 4000 0>;
                    device@1c0a0000 { reg = <0x1c0a0000 0x1000>; interrupts = <38>; };
                };
            };
            """.write(to: config, atomically: true, encoding: .utf8)
        guard case .valid = try check(config.path, on: .vexpressA15) else { return XCTFail("UART1 refused on vexpress-a15") }
        guard case .invalid(let failure) = try check(config.path, on: .qemuVirt) else {
            return XCTFail("vexpress's UART1 accepted on virt")
        }
        XCTAssertEqual(failure.nodePath, "/vm@0/device@1c0a0000")
        XCTAssertEqual(failure.reason, .notAssignable(PhysicalRange(base: PhysicalAddress(UInt32(0x1C0A_0000)), size: 0x1000),
                                                      platform: .qemuVirt))
        XCTAssertEqual(failure.message, "/vm@0/device@1c0a0000: property \"reg\": 0x1c0a0000-0x1c0a0fff is not inside an assignable device region of platform virt")
    }
}
