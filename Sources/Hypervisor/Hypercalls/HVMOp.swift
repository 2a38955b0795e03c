import HVRegs
import HypervisorCore

extension Hypercalls {
    static let hvmGetParam: UInt32 = 1             // HVMOP_get_param
    static let paramConsolePFN: UInt32 = 17        // HVM_PARAM_CONSOLE_PFN
    static let paramConsoleEventChannel: UInt32 = 18
    static let hvmParamSize = 16                   // struct xen_hvm_param

    /// hvm_op: only HVMOP_get_param, only the console parameters.
    static func hvmOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        guard frame.pointee.r.0 == hvmGetParam else {
            Hypercalls.fail(frame, .notImplemented)
            return
        }
        guard let arguments = GuestVirtualMemory.bytes(vm: vm, virtual: frame.pointee.r.1, length: hvmParamSize, write: true) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let domain = arguments.load(fromByteOffset: 0, as: UInt16.self)
        let index = arguments.load(fromByteOffset: 4, as: UInt32.self)
        guard index == paramConsolePFN || index == paramConsoleEventChannel else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        let target = domain == domainSelf ? vm : Int(domain)
        guard let backend = SplitConsole.backend, target < Machines.count, target != backend else {
            Hypercalls.fail(frame, .noEntry)
            return
        }
        let value: UInt32
        if vm == target {
            value = index == paramConsolePFN ? SplitConsole.ringFrame[target] : SplitConsole.frontendPort[target]
        } else if vm == backend {
            value = index == paramConsolePFN ? SplitConsole.backendWindowFrame(for: target) : SplitConsole.backendPort[target]
        } else {
            Hypercalls.fail(frame, .permissionDenied)
            return
        }
        let result = arguments.baseAddress!.advanced(by: 8).assumingMemoryBound(to: UInt32.self)
        result[0] = value
        result[1] = 0  // the high half of the 64-bit value
        Hypercalls.result(frame, 0)
    }
}
