@testable import ApusTools
import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

// The Gantt chart is checked by parsing it as XML (so it must be well-formed) and counting
// the elements the renderer tags with classes: rows, misses, releases, completions.

final class TraceSVGTests: XCTestCase {
    private let ms: UInt64 = 1_000_000
    private let us: UInt64 = 1_000

    func testSEDFChartHasOneRowPerVCPUAndOneMarkPerMiss() throws {
        let trace = try TraceExamples.load("sedf-two-vcpus.trace")
        let svg = try SVGSummary(GanttChart.render(trace, window: GanttWindow(covering: trace), options: GanttOptions(title: "sedf")))
        XCTAssertEqual(svg.count(class: "row vcpu"), 2)
        XCTAssertEqual(svg.count(class: "row idle"), 1)
        XCTAssertEqual(svg.count(class: "miss"), 1)
        // Seven releases, but sensor and ctrl are released together at 0 and 10 ms: one arrow
        // each time, whose tooltip counts both.
        XCTAssertEqual(svg.count(class: "release"), 5)
        XCTAssertEqual(svg.titles.filter { $0.hasPrefix("2 job releases from 0 to 0 ns") }.count, 1)
        XCTAssertEqual(svg.count(class: "completion"), 6)
        XCTAssertEqual(svg.count(class: "irq"), 4)
        // 4 + 2 + 2 runs, all wide enough to be drawn solid.
        XCTAssertEqual(svg.count(class: "run"), 8)
        XCTAssertTrue(svg.attributes(class: "run").allSatisfy { $0["fill-opacity"] == nil })
        XCTAssertEqual(svg.texts(class: "label"), ["rt", "linux", "idle"])
        XCTAssertEqual(svg.texts(class: "title"), ["sedf"])
        XCTAssertEqual(svg.texts(class: "tick"), ["0", "2", "4", "6", "8", "10", "12", "14", "16", "18", "20"])
        XCTAssertEqual(svg.texts(class: "caption"), ["time (ms)"])
        XCTAssertEqual(svg.root, "svg")
    }

    func testCreditChartShowsEveryMiss() throws {
        let trace = try TraceExamples.load("credit-30ms-misses.trace")
        let svg = try SVGSummary(GanttChart.render(trace, window: GanttWindow(covering: trace), options: GanttOptions(title: "c")))
        XCTAssertEqual(svg.count(class: "miss"), 4)
        XCTAssertEqual(svg.count(class: "row vcpu"), 2)
    }

    /// A hypervisor trace has switches but no job records: the chart and the
    /// report must not claim "0 deadline misses" for a run whose guest missed.
    func testTraceWithoutJobRecordsDoesNotClaimZeroMisses() throws {
        let trace = try TraceExamples.load("ring-dump-microseconds.trace")
        XCTAssertTrue(trace.jobs.isEmpty)
        let svg = try SVGSummary(GanttChart.render(trace, window: GanttWindow(covering: trace), options: GanttOptions(title: "hv")))
        let subtitle = try XCTUnwrap(svg.texts(class: "subtitle").first)
        XCTAssertTrue(subtitle.hasSuffix(TraceReport.noJobRecords), subtitle)
        XCTAssertFalse(subtitle.contains("0 deadline misses"), subtitle)
        let report = TraceReport.text(TraceStatistics(trace), title: "hv")
        XCTAssertTrue(report.contains(TraceReport.noJobRecords), report)

        let withJobs = try TraceExamples.load("credit-30ms-misses.trace")
        let jobsSVG = try SVGSummary(GanttChart.render(withJobs, window: GanttWindow(covering: withJobs), options: GanttOptions(title: "c")))
        XCTAssertTrue(try XCTUnwrap(jobsSVG.texts(class: "subtitle").first).hasSuffix("4 deadline misses"))
    }

    func testWindowZoomsOnPartOfTheTrace() throws {
        let trace = try TraceExamples.load("credit-30ms-misses.trace")
        let window = try XCTUnwrap(GanttWindow(from: 35 * ms, to: 55 * ms))
        let svg = try SVGSummary(GanttChart.render(trace, window: window, options: GanttOptions(title: "zoom")))
        XCTAssertEqual(svg.count(class: "miss"), 2, "misses at 40 and 50 ms")
        XCTAssertEqual(svg.count(class: "release"), 2, "releases at 40 and 50 ms")
        XCTAssertEqual(svg.texts(class: "tick"), ["36", "38", "40", "42", "44", "46", "48", "50", "52", "54"])
    }

    func testMicrosecondTraceLongAfterBootCountsFromTheWindowStart() throws {
        let trace = try TraceExamples.load("ring-dump-microseconds.trace")
        let svg = try SVGSummary(GanttChart.render(trace, window: GanttWindow(covering: trace), options: GanttOptions(title: "ring")))
        XCTAssertEqual(svg.texts(class: "tick"), ["0", "50", "100", "150", "200", "250", "300", "350"])
        XCTAssertEqual(svg.texts(class: "caption"), ["time (us) after 1203400000 ns"])
        XCTAssertEqual(svg.count(class: "miss"), 0)
    }

    func testNamesAreEscaped() throws {
        let name = "a<b>&\"c'"
        let trace = try TraceReader.parse("apus-trace 1\nvcpu 0 \(name)\nswitch 0 - 0 wake\nend 10\n")
        let text = GanttChart.render(trace, window: GanttWindow(covering: trace), options: GanttOptions(title: "t&<x>"))
        let svg = try SVGSummary(text)
        XCTAssertEqual(svg.texts(class: "label"), [name, "idle"])
        XCTAssertEqual(svg.texts(class: "title"), ["t&<x>"])
        XCTAssertEqual(SVGBuilder.escape("x\u{1}y"), "x\u{FFFD}y")
    }

    func testManySwitchesAndInterruptsAreMergedBelowAPixel() throws {
        // 1 s of alternating 10 us runs: 100 000 switches and 50 000 interrupts, far more
        // than the 1000 px of plot width can show.
        var text = "apus-trace 1\nvcpu 0 a\nvcpu 1 b\nswitch 0 - 0 wake\n"
        for step in 1..<100_000 {
            text += "switch \(step * 10_000) \(step % 2 == 1 ? "0 1" : "1 0") preempt\n"
            if step % 2 == 0 { text += "irq \(step * 10_000) 0 27\n" }
        }
        text += "end 1000000000\n"
        let trace = try TraceReader.parse(text)
        XCTAssertEqual(TraceStatistics(trace).vcpus.map(\.timesScheduled), [50_000, 50_000])
        XCTAssertEqual(trace.irqs.count, 49_999)
        let rendered = GanttChart.render(trace, window: GanttWindow(covering: trace), options: GanttOptions(title: "dense"))
        let svg = try SVGSummary(rendered)
        // One merged bar per row; about one interrupt mark per pixel (1 ms), never more.
        XCTAssertTrue((500...1_000).contains(svg.count(class: "irq")), "\(svg.count(class: "irq")) irq marks")
        // Runs merge into bars of at most ~4 px (1000 px of plot, 3 rows), each drawn at the
        // density of its stretch: a and b ran half of the time each, the CPU never idled.
        let runs = svg.attributes(class: "run")
        XCTAssertLessThanOrEqual(runs.count, 2 * 260)
        XCTAssertGreaterThanOrEqual(runs.count, 2 * 200)
        let opacities = runs.compactMap { $0["fill-opacity"].flatMap(Double.init) }
        XCTAssertEqual(opacities.count, runs.count)
        XCTAssertTrue(opacities.allSatisfy { abs($0 - 0.5) < 0.02 }, "\(Set(opacities))")
        XCTAssertLessThan(rendered.utf8.count, 400_000)
    }

    func testAxisStepsAndUnits() {
        let ms20 = GanttTimeAxis(from: 0, to: 20 * ms)
        XCTAssertEqual(ms20.step, 2 * ms)
        XCTAssertEqual(ms20.unitName, "ms")
        let short = GanttTimeAxis(from: 0, to: 3 * us)
        XCTAssertEqual(short.step, 500)
        XCTAssertEqual(short.ticks.map(\.label), ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"])
        XCTAssertEqual(short.unitName, "us")
        let seconds = GanttTimeAxis(from: 0, to: 3_000 * ms)
        XCTAssertEqual(seconds.unitName, "s")
        XCTAssertEqual(seconds.ticks.map(\.label), ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"])
        let tiny = GanttTimeAxis(from: 0, to: 40)
        XCTAssertEqual(tiny.unitName, "ns")
        XCTAssertEqual(tiny.ticks.map(\.label), ["0", "5", "10", "15", "20", "25", "30", "35", "40"])
        let nearMax = GanttTimeAxis(from: UInt64.max - 100, to: UInt64.max)
        XCTAssertFalse(nearMax.ticks.isEmpty)
        // 204 ms: 20 ms steps (10 ticks) rather than 50 ms (4); 70 ms: 10 ms (7) rather than 5 (14).
        XCTAssertEqual(GanttTimeAxis.niceStep(span: 204_179_600, target: 10), 20 * ms)
        XCTAssertEqual(GanttTimeAxis.niceStep(span: 70 * ms, target: 10), 10 * ms)
        XCTAssertEqual(GanttTimeAxis.niceStep(span: 1, target: 10), 1)
        XCTAssertEqual(GanttTimeAxis.niceStep(span: UInt64.max, target: 10), 2_000_000_000_000_000_000)
    }

    func testExtremeTimesStillDraw() throws {
        for end in [UInt64(0), UInt64.max] {
            let trace = try TraceReader.parse("apus-trace 1\nvcpu 0 a\nend \(end)\n")
            let window = GanttWindow(covering: trace)
            XCTAssertLessThan(window.from, window.to)
            XCTAssertTrue(window.contains(end))
            let svg = try SVGSummary(GanttChart.render(trace, window: window, options: GanttOptions(title: "t")))
            XCTAssertEqual(svg.count(class: "row vcpu"), 1)
            XCTAssertFalse(svg.texts(class: "tick").isEmpty)
        }
        let wide = try TraceReader.parse("apus-trace 1\nvcpu 0 a\nswitch 0 - 0 wake\nend 18446744073709551615\n")
        let svg = try SVGSummary(GanttChart.render(wide, window: GanttWindow(covering: wide), options: GanttOptions(title: "t")))
        XCTAssertEqual(svg.count(class: "run"), 1)
        XCTAssertEqual(TraceStatistics(wide).vcpus[0].runTime, UInt64.max)
    }

    func testEmptyWindowIsRejected() {
        XCTAssertNil(GanttWindow(from: 5, to: 5))
        XCTAssertNil(GanttWindow(from: 6, to: 5))
    }
}

/// What the tests need to know about a rendered SVG, read back with XMLParser (which fails
/// on anything that is not well-formed XML).
final class SVGSummary: NSObject, XMLParserDelegate {
    private(set) var root: String?
    private(set) var elementCount = 0
    private var classes: [String] = []
    private var textByClass: [(String, String)] = []
    private var openText: (cls: String, text: String)?
    private(set) var titles: [String] = []
    private var openTitle: String?

    init(_ svg: String) throws {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        if !parser.parse() {
            throw NSError(domain: "SVGSummary", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "not well-formed: \(String(describing: parser.parserError))"])
        }
    }

    private var attributesByClass: [String: [[String: String]]] = [:]

    func count(class name: String) -> Int { classes.filter { $0 == name }.count }
    func attributes(class name: String) -> [[String: String]] { attributesByClass[name] ?? [] }
    func texts(class name: String) -> [String] { textByClass.filter { $0.0 == name }.map(\.1) }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if root == nil { root = element }
        elementCount += 1
        if let cls = attributes["class"] {
            classes.append(cls)
            attributesByClass[cls, default: []].append(attributes)
            if element == "text" { openText = (cls, "") }
        }
        if element == "title" { openTitle = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        openText?.text += string
        openTitle? += string
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        if element == "title", let openTitle {
            titles.append(openTitle)
            self.openTitle = nil
        }
        if element == "text", let openText {
            textByClass.append((openText.cls, openText.text))
            self.openText = nil
        }
    }
}
