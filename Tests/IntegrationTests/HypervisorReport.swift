import Foundation

/// What the hypervisor itself reports at power-off (docs/GUESTS.md, "Reading
/// the output"), read from outside every guest: the CPU time each VM got over
/// the common window, and the isolation audit's marker counts.
struct HypervisorReport {
    let output: String

    /// `  common window N us: a N us, b N us`: the window's length and each
    /// VM's CPU time in it, in microseconds.
    var commonWindow: (length: Int, received: [String: Int])? {
        guard let line = line(startingWith: "  common window ") else { return nil }
        let parts = line.dropFirst("  common window ".count).split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let length = Int(parts[0].split(separator: " ")[0]) else { return nil }
        var received: [String: Int] = [:]
        for entry in parts[1].split(separator: ",") {
            let words = entry.split(separator: " ")
            guard words.count == 3, words[2] == "us", let time = Int(words[1]) else { return nil }
            received[String(words[0])] = time
        }
        return (length, received)
    }

    /// `  admitted before the window: a N us, b N us`: how long before the
    /// window opened each VM was admitted (its first period began), in microseconds.
    var admittedBeforeWindow: [String: Int]? {
        guard let line = line(startingWith: "  admitted before the window: ") else { return nil }
        var offsets: [String: Int] = [:]
        for entry in line.dropFirst("  admitted before the window: ".count).split(separator: ",") {
            let words = entry.split(separator: " ")
            guard words.count == 3, words[2] == "us", let offset = Int(words[1]) else { return nil }
            offsets[String(words[0])] = offset
        }
        return offsets
    }

    /// `  isolation marker words: a N, b N`: per VM, the words of its memory
    /// holding the hostile guest's probe marker, counted by the hypervisor.
    var isolationMarkers: [String: Int]? {
        guard let line = line(startingWith: "  isolation marker words: ") else { return nil }
        var counts: [String: Int] = [:]
        for entry in line.dropFirst("  isolation marker words: ".count).split(separator: ",") {
            let words = entry.split(separator: " ")
            guard words.count == 2, let count = Int(words[1]) else { return nil }
            counts[String(words[0])] = count
        }
        return counts
    }

    /// With VCPUs on several CPUs, `  CPU n: decisions D, window W us, VMs a b`
    /// per CPU: its loop's decisions and the VMs it runs.
    var cpus: [Int: (decisions: Int, vms: [String])] {
        var result: [Int: (decisions: Int, vms: [String])] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("  CPU ") {
            let words = line.split(separator: " ")
            guard words.count >= 5, let cpu = Int(words[1].dropLast()), let decisions = Int(words[3].dropLast()),
                  let vmsAt = words.firstIndex(of: "VMs") else { continue }
            result[cpu] = (decisions, words[(vmsAt + 1)...].map(String.init))
        }
        return result
    }

    /// For a VM with several VCPUs, after its `  VM name: ...` line, one line per VCPU:
    /// `    VCPU n on CPU c: dispatched D, SGIs received R, SGIs taken T, interrupts taken I`.
    struct VCPULine: Equatable {
        var cpu, dispatched, sgisReceived, sgisTaken, interruptsTaken: Int
    }

    /// The VCPU lines of VM `name`, by VCPU number.
    func vcpus(of name: String) -> [Int: VCPULine] {
        var result: [Int: VCPULine] = [:]
        var inVM = false
        for line in output.split(separator: "\n") {
            if line.hasPrefix("  VM ") { inVM = line.hasPrefix("  VM \(name): ") }
            guard inVM, line.hasPrefix("    VCPU ") else { continue }
            let numbers = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ":" }).compactMap { Int($0) }
            guard numbers.count == 6 else { continue }
            result[numbers[0]] = VCPULine(cpu: numbers[1], dispatched: numbers[2], sgisReceived: numbers[3],
                                          sgisTaken: numbers[4], interruptsTaken: numbers[5])
        }
        return result
    }

    private func line(startingWith prefix: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0).trimmingCharacters(in: .newlines) }
    }
}
