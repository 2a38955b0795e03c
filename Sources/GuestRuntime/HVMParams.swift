import HypervisorCore

/// hvm_op (hypercall 34) HVMOP_get_param: how a console frontend or backend
/// finds its ring page and event channel (docs/CONSOLE.md).
public enum HVMParameters {
    /// HVMOP_get_param (Xen's hvm_op.h).
    static let getParam: UInt32 = 1

    /// Parameter indexes (Xen's params.h) that Apus answers.
    public static let storePageFrame: UInt32 = 1      // HVM_PARAM_STORE_PFN
    public static let storePort: UInt32 = 2           // HVM_PARAM_STORE_EVTCHN
    public static let consolePageFrame: UInt32 = 17   // HVM_PARAM_CONSOLE_PFN
    public static let consolePort: UInt32 = 18        // HVM_PARAM_CONSOLE_EVTCHN

    /// Reads parameter `index` of `domain` (DOMID_SELF, 0x7FF0, for oneself).
    /// `result` is 0 or a negative errno; `value` is meaningful only on 0.
    public static func get(domain: UInt16, index: UInt32) -> (result: Int32, value: UInt64) {
        // struct xen_hvm_param: domid u16 @0, index u32 @4, value u64 @8 (16 bytes).
        var parameter = InlineArray<4, UInt32>(repeating: 0)
        parameter[0] = UInt32(domain)
        parameter[1] = index
        let result = withUnsafeMutablePointer(to: &parameter) { pointer in
            Hypervisor.call(.hvmOp, getParam, guestAddress(pointer))
        }
        let value = UInt64(widening: parameter[2]) | UInt64(widening: parameter[3]) &<< 32
        return (result, value)
    }
}
