import Foundation
import HypervisorCore
import XCTest

/// Facts `apus check` assumes about the hypervisor image it cannot see, held to
/// the link maps that make them true at boot.
final class LinkMapFactsTests: XCTestCase {
    private func script(_ name: String) throws -> String {
        try String(contentsOf: CheckRulesTests.repository.appendingPathComponent("LinkerScripts/\(name)"), encoding: .utf8)
    }

    /// The host checks stage-2 budgets against `Platform.linkedStage2TablePages`;
    /// the boot against the .stage2 region really linked. They must agree.
    func testStage2RegionMatchesThePlatformDefault() throws {
        let text = try script("hypervisor.ld")
        let region = try XCTUnwrap(text.range(of: #"__stage2_start = \.;\s*\. \+= (\d+) \* 4096;"#, options: .regularExpression))
        let pages = text[region].split(separator: "+=")[1].split(separator: "*")[0].trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(Int(pages), Platform.linkedStage2TablePages)
    }

    /// Guests record their extent in the image header from these symbols.
    func testGuestLinkMapEndsWithTheImageEnd() throws {
        let text = try script("guest.ld")
        XCTAssertTrue(text.contains("PROVIDE(GUEST_RAM = 0x80000000);"))
        XCTAssertTrue(text.contains("__image_end = .;"))
        let start = try String(contentsOf: CheckRulesTests.repository.appendingPathComponent("Boot/Guest/start.S"), encoding: .utf8)
        XCTAssertTrue(start.contains(".ascii  \"\(GuestImageHeader.magic)\""))
        XCTAssertTrue(start.contains(".word   __image_end - _start"))
    }
}
