// The boot device tree against the built-in platform: every fact the tree
// states must agree with the description the hypervisor was built for. A
// disagreement stops the boot with a message that names both values; a fact
// the tree leaves out is not checked.

public struct BootTreeMismatch: Error, Equatable, Sendable {
    public enum Fact: Equatable, Sendable {
        case memory, gicDistributor, gicCPUInterface, gicHypInterface, gicVirtualCPUInterface
        case maintenanceInterrupt, physicalTimerInterrupt, virtualTimerInterrupt, hypTimerInterrupt
        case timerFrequency, console, psci

        public var name: StaticString {
            switch self {
            case .memory: "memory"
            case .gicDistributor: "GIC distributor"
            case .gicCPUInterface: "GIC CPU interface"
            case .gicHypInterface: "GIC hypervisor interface"
            case .gicVirtualCPUInterface: "GIC virtual CPU interface"
            case .maintenanceInterrupt: "GIC maintenance interrupt"
            case .physicalTimerInterrupt: "physical timer interrupt"
            case .virtualTimerInterrupt: "virtual timer interrupt"
            case .hypTimerInterrupt: "hyp timer interrupt"
            case .timerFrequency: "timer clock-frequency"
            case .console: "stdout-path UART"
            case .psci: "PSCI"
            }
        }
    }

    public var fact: Fact
    /// What the tree says (for memory: the range that covers the built-in RAM's base, or the first one).
    public var tree: PhysicalRange
    public var builtIn: PhysicalRange
    /// For `.psci`: the tree's method (nil: no PSCI node).
    public var treePSCI: PSCIMethod?
    public var platform: PlatformKind

    public init(_ fact: Fact, tree: PhysicalRange, builtIn: PhysicalRange, treePSCI: PSCIMethod? = nil, platform: PlatformKind) {
        self.fact = fact
        self.tree = tree
        self.builtIn = builtIn
        self.treePSCI = treePSCI
        self.platform = platform
    }

    /// `the boot device tree disagrees with platform virt: GIC distributor 0x08000000 in the tree, 0x2c001000 built in`.
    public func write<Sink: TextSink>(to sink: inout Sink) {
        sink.write("the boot device tree disagrees with platform ")
        sink.write(platform.name)
        sink.write(": ")
        sink.write(fact.name)
        sink.write(" ")
        writeValue(tree, to: &sink, tree: true)
        sink.write(" in the tree, ")
        writeValue(builtIn, to: &sink, tree: false)
        sink.write(" built in")
    }

    private func writeValue<Sink: TextSink>(_ value: PhysicalRange, to sink: inout Sink, tree: Bool) {
        switch fact {
        case .memory:
            sink.write(value)
        case .maintenanceInterrupt, .physicalTimerInterrupt, .virtualTimerInterrupt, .hypTimerInterrupt:
            sink.write("INTID ")
            sink.write(decimal: value.base.value)
        case .timerFrequency:
            sink.write(decimal: value.base.value)
            sink.write(" Hz")
        case .psci:
            if !tree {
                sink.write("SYSTEM_OFF by SMC")
            } else {
                switch treePSCI {
                case nil: sink.write("none")
                case .smc?: sink.write("method smc")
                case .hvc?: sink.write("method hvc")
                case .other?: sink.write("no usable method")
                }
            }
        default:
            sink.write(hex: value.base.value)
        }
    }
}

extension BootTreeFacts {
    /// Checks every stated fact against `platform`. `counterRegister` is what
    /// CNTFRQ reads: the tree's clock-frequency is only checked (and only
    /// matters) when it reads 0.
    public func check(against platform: Platform, counterRegister: UInt64) throws(BootTreeMismatch) {
        func point(_ value: UInt64) -> PhysicalRange { PhysicalRange(base: PhysicalAddress(value), size: 1) }
        func fail(_ fact: BootTreeMismatch.Fact, _ tree: PhysicalRange, _ builtIn: PhysicalRange) -> BootTreeMismatch {
            BootTreeMismatch(fact, tree: tree, builtIn: builtIn, platform: platform.kind)
        }
        if memoryCount > 0 {
            var covering: PhysicalRange?
            for i in 0..<memoryCount where memory[i].contains(platform.ram) { covering = memory[i] }
            if covering == nil {
                var nearest = memory[0]
                for i in 0..<memoryCount where memory[i].contains(platform.ram.base) { nearest = memory[i] }
                throw fail(.memory, nearest, platform.ram)
            }
        }
        try checkFrame(0, .gicDistributor, platform.gic.distributor, platform)
        try checkFrame(1, .gicCPUInterface, platform.gic.cpuInterface, platform)
        try checkFrame(2, .gicHypInterface, platform.gic.hypInterface, platform)
        try checkFrame(3, .gicVirtualCPUInterface, platform.gic.virtualCPUInterface, platform)
        func checkInterrupt(_ tree: UInt32?, _ fact: BootTreeMismatch.Fact, _ builtIn: UInt32) throws(BootTreeMismatch) {
            if let tree, tree != builtIn {
                throw fail(fact, point(UInt64(widening: tree)), point(UInt64(widening: builtIn)))
            }
        }
        try checkInterrupt(maintenanceInterrupt, .maintenanceInterrupt, platform.interrupts.maintenance)
        try checkInterrupt(physicalTimerInterrupt, .physicalTimerInterrupt, platform.interrupts.physicalTimer)
        try checkInterrupt(virtualTimerInterrupt, .virtualTimerInterrupt, platform.interrupts.virtualTimer)
        try checkInterrupt(hypTimerInterrupt, .hypTimerInterrupt, platform.interrupts.hypTimer)
        if counterRegister == 0, let timerFrequency, timerFrequency != platform.counterFrequency {
            throw fail(.timerFrequency, point(timerFrequency), point(platform.counterFrequency))
        }
        if let console, console != platform.console.base {
            throw fail(.console, point(console.value), point(platform.console.base.value))
        }
        if case .psciSystemOff = platform.powerOff, psci != .smc {
            throw BootTreeMismatch(.psci, tree: point(0), builtIn: point(0), treePSCI: psci, platform: platform.kind)
        }
    }

    private func checkFrame(_ index: Int, _ fact: BootTreeMismatch.Fact, _ builtIn: PhysicalRange,
                            _ platform: Platform) throws(BootTreeMismatch) {
        if let frame = gicFrames[index], frame != builtIn.base {
            throw BootTreeMismatch(fact, tree: PhysicalRange(base: frame, size: 1),
                                   builtIn: PhysicalRange(base: builtIn.base, size: 1), platform: platform.kind)
        }
    }

    /// The generic timer's frequency: CNTFRQ, else the tree's clock-frequency,
    /// else the platform's (the check has made the last two agree).
    public func counterFrequency(register: UInt64, platform: Platform) -> UInt64 {
        if register != 0 { return register }
        return timerFrequency ?? platform.counterFrequency
    }
}
