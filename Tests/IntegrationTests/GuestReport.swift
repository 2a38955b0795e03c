import Foundation

/// The tagged lines guests print (docs/GUESTS.md), read back from a QEMU
/// transcript: `[vm] RESULT key=value ...`, `[vm] CHECK name passed|FAILED`.
struct GuestReport {
    let output: String

    /// Lines that VM `vm` printed, without the `[vm] ` prefix.
    func lines(of vm: String) -> [String] {
        let prefix = "[\(vm)] "
        return output.split(separator: "\n").compactMap { line in
            line.hasPrefix(prefix) ? String(line.dropFirst(prefix.count)) : nil
        }
    }

    /// The `key=value` fields of every line of `vm` starting with `tag`.
    func records(_ tag: String, of vm: String) -> [[String: String]] {
        lines(of: vm).filter { $0.hasPrefix(tag + " ") }.map { line in
            var fields: [String: String] = [:]
            for word in line.split(separator: " ").dropFirst() {
                let parts = word.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            return fields
        }
    }

    /// One integer field of the first `tag` line of `vm`.
    func value(_ key: String, _ tag: String, of vm: String) -> Double? {
        records(tag, of: vm).first.flatMap { $0[key] }.flatMap { Double($0) }
    }

    /// CHECK lines of `vm`: name -> passed.
    func checks(of vm: String) -> [String: Bool] {
        var result: [String: Bool] = [:]
        for line in lines(of: vm) where line.hasPrefix("CHECK ") {
            let words = line.split(separator: " ")
            if words.count == 3 { result[String(words[1])] = words[2] == "passed" }
        }
        return result
    }

    /// The hypervisor's end-of-run figure for `vm`, in µs: its longest wait
    /// for the CPU while runnable (`  longest runnable wait: a 12 us, b 30 us`).
    func longestRunnableWait(of vm: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("  longest runnable wait: ") })
        else { return nil }
        for entry in line.dropFirst("  longest runnable wait: ".count).split(separator: ",") {
            let words = entry.split(separator: " ")
            if words.count == 3, words[0] == vm, words[2] == "us" { return Int(words[1]) }
        }
        return nil
    }

    /// Deadline misses over every task of the RT guest.
    func misses(of vm: String) -> Int {
        records("RESULT", of: vm).compactMap { $0["misses"].flatMap { Int($0) } }.reduce(0, +)
    }
}
