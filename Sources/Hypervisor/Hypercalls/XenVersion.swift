import HVRegs
import HypervisorCore

extension Hypercalls {
    /// xen_version: the version and the page size.
    static func xenVersion(frame: UnsafeMutablePointer<apus_trap_frame>, command: UInt32) {
        switch XenVersionCommand(rawValue: command) {
        case .version: Hypercalls.result(frame, reportedXenVersion)
        case .pageSize: Hypercalls.result(frame, 4096)
        case .getFeatures, .extraVersion, .compileInfo, .capabilities, .changeset, .platformParameters:
            Hypercalls.fail(frame, .notImplemented)
        case nil: Hypercalls.fail(frame, .notImplemented)  // as Xen answers an unknown command
        }
    }
}
