import Foundation

// What the RT Linux's init prints around cyclictest (docs/LINUX.md, "cyclictest"), read
// from the console log where every line of that VM starts with `[label] `:
//
//   [rt-linux] apus-cyclictest: begin
//   [rt-linux] # Histogram
//   [rt-linux] 000017 000412            <- bucket (µs), samples in it (one column per thread)
//   [rt-linux] ...
//   [rt-linux] apus-cyclictest: end
//   [rt-linux] apus-cyclictest: min=12 avg=15 max=54 samples=5000 overflows=0
//
// and, with `apus.rtio=1`, `apus-rtio: reads=N ...` (its fields are kept as they are).

public struct CyclictestReport: Equatable, Sendable {
    public var minUs: Int
    public var avgUs: Int
    public var maxUs: Int
    /// cyclictest's `# Total`: the samples inside the histogram.
    public var samples: Int
    /// Samples above the histogram's last bucket (not in `samples`).
    public var overflows: Int
    /// Every wake-up measured: the histogram's samples and the overflows.
    public var measured: Int { samples + overflows }
    /// Samples per bucket of 1 µs, from the histogram between `begin` and `end`; buckets
    /// without samples are left out.
    public var histogram: [(bucketUs: Int, count: Int)]
    /// The `apus-rtio:` line's `key=value` fields, when there was one.
    public var rtio: [String: String]?

    public static func == (a: CyclictestReport, b: CyclictestReport) -> Bool {
        a.minUs == b.minUs && a.avgUs == b.avgUs && a.maxUs == b.maxUs && a.samples == b.samples
            && a.overflows == b.overflows && a.rtio == b.rtio
            && a.histogram.map(\.bucketUs) == b.histogram.map(\.bucketUs) && a.histogram.map(\.count) == b.histogram.map(\.count)
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    static let summaryPrefix = "apus-cyclictest: min="
    static let begin = "apus-cyclictest: begin"
    static let end = "apus-cyclictest: end"
    static let rtioPrefix = "apus-rtio: "
    static let failedPrefix = "apus-cyclictest: failed: "

    /// Reads the report of VM `label` from a console log. Throws when the summary line is
    /// missing or malformed (the run did not finish cyclictest).
    public static func parse(console: String, label: String) throws(ParseError) -> CyclictestReport {
        let prefix = "[\(label)] "
        var inside = false
        var buckets: [Int: Int] = [:]
        var summary: [String: String]?
        var rtio: [String: String]?
        var failure: Substring?
        // "\r\n" is one Character in Swift: drop the carriage returns before splitting.
        for line in console.replacingOccurrences(of: "\r", with: "").split(separator: "\n") {
            guard line.hasPrefix(prefix) else { continue }
            let text = line.dropFirst(prefix.count)
            if text == begin { inside = true; buckets = [:]; continue }
            if text == end { inside = false; continue }
            if text.hasPrefix(summaryPrefix) {
                summary = fields(text.dropFirst("apus-cyclictest: ".count))
                continue
            }
            if text.hasPrefix(rtioPrefix) { rtio = fields(text.dropFirst(rtioPrefix.count)); continue }
            if text.hasPrefix(failedPrefix) { failure = text.dropFirst(failedPrefix.count) }
            if inside, let row = histogramRow(text) { buckets[row.bucket, default: 0] += row.count }
        }
        if let failure { throw ParseError(reason: "cyclictest failed: \(failure)") }
        guard let summary else {
            throw ParseError(reason: "no '\(prefix)\(summaryPrefix)...' line: cyclictest did not finish")
        }
        func number(_ key: String) throws(ParseError) -> Int {
            guard let text = summary[key], let value = Int(text), value >= 0 else {
                throw ParseError(reason: "the apus-cyclictest summary has no whole number '\(key)=' (got \(summary[key] ?? "nothing"))")
            }
            return value
        }
        return CyclictestReport(
            minUs: try number("min"), avgUs: try number("avg"), maxUs: try number("max"), samples: try number("samples"),
            overflows: try number("overflows"),
            histogram: buckets.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { (bucketUs: $0.key, count: $0.value) },
            rtio: rtio)
    }

    /// `key=value` words; other words are ignored.
    static func fields(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for word in text.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            result[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return result
    }

    /// cyclictest's `-h` rows as it prints them: the bucket in six digits, then one count
    /// per thread in at least six; anything else inside begin/end (a kernel message, a
    /// stray fragment) is not a row.
    static func histogramRow(_ text: Substring) -> (bucket: Int, count: Int)? {
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        func digits(_ word: Substring, atLeast: Int) -> Bool {
            word.count >= atLeast && word.allSatisfy { $0.isASCII && $0.isNumber }
        }
        guard words.count >= 2, words[0].count == 6, digits(words[0], atLeast: 6),
              words.dropFirst().allSatisfy({ digits($0, atLeast: 6) }), let bucket = Int(words[0]) else { return nil }
        var count = 0
        for word in words.dropFirst() {
            guard let value = Int(word) else { return nil }
            count += value
        }
        return (bucket, count)
    }
}
