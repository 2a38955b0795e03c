import HVRegs
import HypervisorCore

extension Hypercalls {
    /// xen_version: version, extra version, capabilities, features, page size.
    static func xenVersion(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, command: UInt32) {
        switch XenVersionCommand(rawValue: command) {
        case .version: Hypercalls.result(frame, reportedXenVersion)
        case .pageSize: Hypercalls.result(frame, 4096)
        case .extraVersion:
            writeText(XenVersionAnswers.extraVersion, size: XenVersionAnswers.extraVersionSize, vm: vm, frame: frame)
        case .capabilities:
            writeText(XenVersionAnswers.capabilities, size: XenVersionAnswers.capabilitiesSize, vm: vm, frame: frame)
        case .getFeatures:
            // struct xen_feature_info { u32 submap_idx @0; u32 submap @4 }
            guard let info = GuestVirtualMemory.bytes(vm: vm, virtual: frame.pointee.r.1, length: 8, write: true) else {
                Hypercalls.fail(frame, .fault)
                return
            }
            let index = info.load(fromByteOffset: 0, as: UInt32.self)
            info.baseAddress!.storeBytes(of: XenVersionAnswers.features(submap: index), toByteOffset: 4, as: UInt32.self)
            Hypercalls.result(frame, 0)
        case .compileInfo, .changeset, .platformParameters:
            Hypercalls.fail(frame, .notImplemented)
        case nil: Hypercalls.fail(frame, .notImplemented)  // as Xen answers an unknown command
        }
    }

    /// Copies `text` NUL-padded into the guest's fixed-size buffer at r1.
    private static func writeText(_ text: StaticString, size: Int, vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        guard let buffer = GuestVirtualMemory.bytes(vm: vm, virtual: frame.pointee.r.1, length: size, write: true) else {
            Hypercalls.fail(frame, .fault)
            return
        }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        text.withUTF8Buffer { bytes in
            for i in 0..<min(bytes.count, size - 1) { buffer[i] = bytes[i] }
        }
        Hypercalls.result(frame, 0)
    }
}
