import HVRegs
import HypervisorCore

/// PSCI: version, features, CPU_ON / CPU_OFF / AFFINITY_INFO over the VM's
/// VCPUs (core: VCPUPower checks the arguments), the calls that end the VM,
/// and SYSTEM_RESET, which restarts it (VMRestart) where it can restart and is
/// neither advertised nor obeyed where it cannot (a split-driver role).
/// Anything else is answered NOT_SUPPORTED.
enum PSCI {
    /// Handles the call in r0 if it is a PSCI function; false otherwise.
    static func handle(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) -> Bool {
        guard let function = PSCIFunction(rawValue: frame.pointee.r.0) else {
            guard frame.pointee.r.0 & 0xFF00_0000 == 0x8400_0000 || frame.pointee.r.0 & 0xFF00_0000 == 0xC400_0000 else {
                return false
            }
            answer(frame, .notSupported)
            return true
        }
        switch function {
        case .version:
            frame.pointee.r.0 = reportedPSCIVersion
        case .features:
            let supported: Bool
            switch PSCIFunction(rawValue: frame.pointee.r.1) {
            case .version, .features, .cpuOn, .cpuOff, .affinityInfo, .systemOff: supported = true
            case .systemReset: supported = VMRestart.canRestart(vm: vm)
            default: supported = false
            }
            answer(frame, supported ? .success : .notSupported)
        case .cpuOn:
            cpuOn(vm: vm, frame: frame)
        case .affinityInfo:
            switch Machines.table[vm].power.affinityInfo(target: frame.pointee.r.1, lowestLevel: frame.pointee.r.2) {
            case .success(let state): frame.pointee.r.0 = state.rawValue
            case .failure(let error): answer(frame, error.result)
            }
        case .cpuOff:
            // A VM whose last VCPU goes off has nothing left to run.
            if !Machines.table[vm].power.cpuOff(0) { VMStop.stop(vm: vm, frame: frame, reason: .psciSystemOff) }
        case .systemOff:
            VMStop.stop(vm: vm, frame: frame, reason: .psciSystemOff)
        case .systemReset:
            if !VMRestart.restart(vm: vm, frame: frame, because: "PSCI SYSTEM_RESET") { answer(frame, .notSupported) }
        case .cpuSuspend:
            answer(frame, .notSupported)
        }
        return true
    }

    /// CPU_ON(target r1, entry r2, context id r3).
    private static func cpuOn(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let memory = GuestPhysicalRange(base: GuestPhysicalAddress(Machines.table[vm].memoryBase),
                                        size: UInt64(widening: Machines.table[vm].memorySize))
        switch Machines.table[vm].power.cpuOn(target: frame.pointee.r.1, entry: frame.pointee.r.2,
                                              contextID: frame.pointee.r.3, memory: memory) {
        case .failure(let error):
            answer(frame, error.result)
        case .success:
            // VCPUPower only accepts an off VCPU, and a VM has one VCPU, which is on while it calls.
            Panic.halt("PSCI CPU_ON accepted a VCPU this hypervisor cannot start (one VCPU per VM)")
        }
    }

    private static func answer(_ frame: UnsafeMutablePointer<apus_trap_frame>, _ result: PSCIResult) {
        frame.pointee.r.0 = UInt32(bitPattern: result.rawValue)
    }
}
