import HVRegs
import HypervisorCore

extension Hypercalls {
    static let hvmGetParam: UInt32 = 1             // HVMOP_get_param
    static let paramStorePFN: UInt32 = 1           // HVM_PARAM_STORE_PFN
    static let paramStoreEventChannel: UInt32 = 2  // HVM_PARAM_STORE_EVTCHN
    static let paramConsolePFN: UInt32 = 17        // HVM_PARAM_CONSOLE_PFN
    static let paramConsoleEventChannel: UInt32 = 18
    static let hvmParamSize = 16                   // struct xen_hvm_param

    /// hvm_op: only HVMOP_get_param, only the console and xenstore parameters.
    /// A guest asks about itself (its ring frame and port); the server of
    /// that ring (console back end, xenstore server) may ask about the guest
    /// and gets the frame in its own grant window and its own port.
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
        let isConsole = index == paramConsolePFN || index == paramConsoleEventChannel
        let isStore = index == paramStorePFN || index == paramStoreEventChannel
        guard isConsole || isStore else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        let target = domain == domainSelf ? vm : Int(domain)
        guard target < Machines.count else {
            Hypercalls.fail(frame, .noSuchDomain)
            return
        }
        guard let server = isConsole ? SplitConsole.backend : XenstorePlumbing.server, target != server,
              isConsole || XenstorePlumbing.ringFrame[target] != 0 else {
            Hypercalls.fail(frame, .noEntry)
            return
        }
        let wantsFrame = index == paramConsolePFN || index == paramStorePFN
        let value: UInt32
        if vm == target {
            value = isConsole
                ? (wantsFrame ? SplitConsole.ringFrame[target] : SplitConsole.frontendPort[target])
                : (wantsFrame ? XenstorePlumbing.ringFrame[target] : XenstorePlumbing.guestPort[target])
        } else if vm == server {
            value = isConsole
                ? (wantsFrame ? SplitConsole.backendWindowFrame(for: target) : SplitConsole.backendPort[target])
                : (wantsFrame ? XenstorePlumbing.serverWindowFrame(for: target) : XenstorePlumbing.serverPort[target])
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
