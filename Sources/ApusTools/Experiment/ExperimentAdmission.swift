import HypervisorCore

// Whether an SEDF reservation for the RT VM fits beside the other VMs of an experiment
// cell (docs/EXPERIMENT.md, "The interface"). The cell is a configuration written from
// the template (the calibration cell: the same VMs as every cell); the candidate
// replaces the RT VM's `sedf` and the configuration goes through Apus's own validation,
// `SystemConfig.validate`, the rule the hypervisor boots with and `apus check` applies:
// the scheduling minimum and the exact admission test, the reservations' sum(slice/period)
// at most one CPU. So the reservation step never picks an interface the cells cannot boot.

public struct ExperimentAdmission {
    /// The cell's configuration, the RT VM's entry in it, and the machine it was checked for.
    let config: SystemConfig
    let rtIndex: Int
    let platform: Platform
    /// The credit weights of the other VMs (credit-weighted cells buy the RT VM's share against them).
    public let otherWeights: [UInt64]
    /// The fraction of the RT VM's CPU the other VMs on it reserve under SEDF (for messages).
    public let othersReserved: Double

    public struct Problem: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Reads the cell `blob` (a compiled configuration) for `platform`; `rtLabel` names the RT VM.
    public init(blob: [UInt8], rtLabel: String, platform: Platform) throws(Problem) {
        let found = blob.withUnsafeBytes { raw -> Result<(SystemConfig, Int), Problem> in
            let loaded: LoadedConfig
            do throws(ConfigError) {
                loaded = try SystemConfig.load(dtb: raw, platform: platform)
            } catch {
                let fdt = try? FDT(raw)
                return .failure(Problem(reason: "the cell is not a valid configuration: "
                    + StringSink.render { error.write(to: &$0, fdt: fdt) }))
            }
            for index in 0..<loaded.config.vmCount where loaded.fdt.text(loaded.config.vms[index].name) == rtLabel {
                return .success((loaded.config, index))
            }
            return .failure(Problem(reason: "the cell has no VM labelled '\(rtLabel)'"))
        }
        let (config, rtIndex) = try found.get()
        guard config.scheduler == .sedf, config.vms[rtIndex].sedf != nil else {
            throw Problem(reason: "the cell is not an SEDF system with an sedf reservation for '\(rtLabel)'")
        }
        self.config = config
        self.rtIndex = rtIndex
        self.platform = platform
        var weights: [UInt64] = [], reserved = 0.0
        let rtCPU = config.vms[rtIndex].physicalCPU
        for index in 0..<config.vmCount where index != rtIndex {
            let vm = config.vms[index]
            if let credit = vm.credit { weights.append(UInt64(credit.weight)) }
            if let sedf = vm.sedf, vm.physicalCPU == rtCPU {
                reserved += Double(sedf.slice.nanoseconds) / Double(sedf.period.nanoseconds) * Double(vm.vcpuCount)
            }
        }
        otherWeights = weights
        othersReserved = reserved
    }

    /// Why Apus would refuse the RT VM reserving `slice` every `period` (µs), or nil if it boots it.
    public func refusal(period: UInt64, slice: UInt64) -> ConfigErrorReason? {
        var candidate = config
        let extratime = candidate.vms[rtIndex].sedf?.extratime ?? true
        candidate.vms[rtIndex].sedf = SEDFParameters(period: .microseconds(period), slice: .microseconds(slice), extratime: extratime)
        do throws(ConfigError) {
            try candidate.validate(on: platform)
            return nil
        } catch {
            return error.reason
        }
    }

    public func admits(period: UInt64, slice: UInt64) -> Bool { refusal(period: period, slice: slice) == nil }
}
