import GuestKit
import HypervisorCore

/// Bootargs of the bench guest:
///   measure=<name>,<name>,...   what to measure; runs in this fixed order:
///       switch     SCHEDOP_yield ping-pong with another bench VM doing the same
///       hypercall  null hypercall round trip (and the counter-read offset)
///       trap       trapped and emulated ACTLR read
///       irq        SP804 interrupt latency, VCPU running and in WFI
///       vtimer     virtual timer interrupt latency, VCPU busy and in WFI
///   iterations=<n>              samples per measurement (default 500, 1..1024)
struct BenchArguments {
    /// A set of measurements as bits (OptionSet's array-literal machinery
    /// allocates, which -no-allocations refuses).
    struct Measurements: Equatable {
        var rawValue: UInt32
        static let vmSwitch = Measurements(rawValue: 1 << 0)
        static let hypercall = Measurements(rawValue: 1 << 1)
        static let trap = Measurements(rawValue: 1 << 2)
        static let irq = Measurements(rawValue: 1 << 3)
        static let vtimer = Measurements(rawValue: 1 << 4)

        func contains(_ other: Measurements) -> Bool { rawValue & other.rawValue == other.rawValue }
        mutating func insert(_ other: Measurements) { rawValue |= other.rawValue }
    }

    static let maximumIterations: UInt64 = 1024

    var measurements = Measurements(rawValue: 0)
    var iterations: UInt32 = 500

    /// Nil with `problem` set when the bootargs are not understood.
    init?(_ arguments: BootArguments, problem: inout StaticString) {
        guard let list = arguments.value("measure"), !list.isEmpty else {
            problem = "measure=<switch,hypercall,trap,irq,vtimer> is missing"
            return nil
        }
        var start = 0
        while start < list.count {
            var end = start
            while end < list.count, list[end] != 0x2C { end += 1 }  // ","
            guard let one = Self.measurement(named: UnsafeRawBufferPointer(rebasing: list[start..<end])) else {
                problem = "measure: unknown name (expected switch, hypercall, trap, irq, vtimer)"
                return nil
            }
            measurements.insert(one)
            start = end + 1
        }
        if arguments.value("iterations") != nil {
            guard let count = arguments.integer("iterations"), count >= 1, count <= Self.maximumIterations else {
                problem = "iterations: expected a number 1..1024"
                return nil
            }
            iterations = UInt32(truncatingIfNeeded: count)
        }
    }

    private static func measurement(named word: UnsafeRawBufferPointer) -> Measurements? {
        if word.equals("switch") { return .vmSwitch }
        if word.equals("hypercall") { return .hypercall }
        if word.equals("trap") { return .trap }
        if word.equals("irq") { return .irq }
        if word.equals("vtimer") { return .vtimer }
        return nil
    }
}

extension UnsafeRawBufferPointer {
    func equals(_ text: StaticString) -> Bool {
        text.withUTF8Buffer { wanted in
            guard wanted.count == count else { return false }
            for index in 0..<count where wanted[index] != self[index] { return false }
            return true
        }
    }
}
