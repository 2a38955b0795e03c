import HVRegs
import HypervisorCore

/// PSCI for guests with one VCPU: version, features, the calls that end the
/// VM, and SYSTEM_RESET, which restarts it (VMRestart) where it can restart
/// and is neither advertised nor obeyed where it cannot (a split-driver
/// role). Anything else is answered NOT_SUPPORTED.
enum PSCI {
    /// Handles the call in r0 if it is a PSCI function; false otherwise.
    static func handle(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) -> Bool {
        guard let function = PSCIFunction(rawValue: frame.pointee.r.0) else {
            guard frame.pointee.r.0 & 0xFF00_0000 == 0x8400_0000 || frame.pointee.r.0 & 0xFF00_0000 == 0xC400_0000 else {
                return false
            }
            frame.pointee.r.0 = UInt32(bitPattern: PSCIResult.notSupported.rawValue)
            return true
        }
        switch function {
        case .version:
            frame.pointee.r.0 = reportedPSCIVersion
        case .features:
            let supported: Bool
            switch PSCIFunction(rawValue: frame.pointee.r.1) {
            case .version, .features, .cpuOff, .systemOff: supported = true
            case .systemReset: supported = VMRestart.canRestart(vm: vm)
            default: supported = false
            }
            frame.pointee.r.0 = UInt32(bitPattern: supported ? PSCIResult.success.rawValue : PSCIResult.notSupported.rawValue)
        case .systemOff, .cpuOff:
            VMStop.stop(vm: vm, frame: frame, reason: .psciSystemOff)
        case .systemReset:
            if !VMRestart.restart(vm: vm, frame: frame, because: "PSCI SYSTEM_RESET") {
                frame.pointee.r.0 = UInt32(bitPattern: PSCIResult.notSupported.rawValue)
            }
        case .cpuOn, .cpuSuspend, .affinityInfo:
            frame.pointee.r.0 = UInt32(bitPattern: PSCIResult.notSupported.rawValue)
        }
        return true
    }
}
