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
            let target = frame.pointee.r.1, level = frame.pointee.r.2
            switch Machines.withVCPUState(of: vm, { Machines.table[vm].power.affinityInfo(target: target, lowestLevel: level) }) {
            case .success(let state): frame.pointee.r.0 = state.rawValue
            case .failure(let error): answer(frame, error.result)
            }
        case .cpuOff:
            cpuOff(vm: vm, frame: frame)
        case .systemOff:
            VMStop.stop(vm: vm, frame: frame, reason: .psciSystemOff)
        case .systemReset:
            if !VMRestart.restart(vm: vm, frame: frame, because: "PSCI SYSTEM_RESET") { answer(frame, .notSupported) }
        case .cpuSuspend:
            answer(frame, .notSupported)
        }
        return true
    }

    /// CPU_ON(target r1, entry r2, context id r3): the VCPU gets a context at reset
    /// (SVC, interrupts masked, MMU off) with pc = entry and r0 = context id, and runs
    /// on its own CPU once that CPU sees the kick (VirtualInterrupts.notice).
    private static func cpuOn(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let memory = GuestPhysicalRange(base: GuestPhysicalAddress(Machines.table[vm].memoryBase),
                                        size: UInt64(widening: Machines.table[vm].memorySize))
        let target = frame.pointee.r.1, entry = frame.pointee.r.2, contextID = frame.pointee.r.3
        let accepted = Machines.withVCPUState(of: vm) { () -> Result<VCPUStart, PSCIError> in
            let accepted = Machines.table[vm].power.cpuOn(target: target, entry: entry, contextID: contextID, memory: memory)
            if case .success(let start) = accepted {
                // It is off and parked: its CPU does not touch its context until the kick.
                let vcpu = VCPUs.of(vm: vm, start.vcpu)
                VCPUs.table[vcpu].context = VCPUContext(entry: start.entry & ~1, r0: start.contextID, r1: 0,
                                                        resetCP15: SystemBoot.resetCP15, vcpu: start.vcpu)
                if start.entry & 1 != 0 { VCPUs.table[vcpu].context.frame.spsr |= UInt32(PSR_T) }
            }
            return accepted
        }
        switch accepted {
        case .failure(let error):
            answer(frame, error.result)
        case .success(let start):
            answer(frame, .success)
            VirtualInterrupts.notify(VCPUs.of(vm: vm, start.vcpu))
        }
    }

    /// CPU_OFF: the calling VCPU stops until a CPU_ON starts it again; a VM whose
    /// last VCPU goes off has nothing left to run.
    private static func cpuOff(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let bank = ThisCPU.record.pointee.currentBank
        let othersAwake = Machines.withVCPUState(of: vm) { Machines.table[vm].power.cpuOff(bank) }
        if othersAwake {
            Scheduling.block(VCPUs.current, wakeAt: .never)
        } else {
            VMStop.stop(vm: vm, frame: frame, reason: .psciSystemOff)
        }
    }

    private static func answer(_ frame: UnsafeMutablePointer<apus_trap_frame>, _ result: PSCIResult) {
        frame.pointee.r.0 = UInt32(bitPattern: result.rawValue)
    }
}
