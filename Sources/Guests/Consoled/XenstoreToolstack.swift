import GuestKit
import GuestRuntime
import HypervisorCore
import Xenstore

/// The toolstack's part at boot (docs/XENSTORE.md): for every disk this
/// driver domain serves, the front end's directory
/// `/local/domain/<front>/device/vbd/<vdev>` (owned by the front end, readable
/// by the back end) and the back end's `/local/domain/<back>/backend/vbd/<front>/<vdev>`
/// (owned by the back end, readable by the front end), with the keys Linux's
/// xen-blkfront reads. Both start in XenbusState Initialising (1); the block
/// back end moves its own on.
enum XenstoreToolstack {
    /// xvda: major 202, minor 0 (each VM has at most one disk).
    static let virtualDevice: UInt32 = 202 << 8
    static let sectorSize: UInt32 = 512

    static func publish(_ disks: BlockBackendArguments) {
        for index in 0..<disks.count { publish(disks.disks[index]) }
    }

    /// Which of a disk's two directories.
    enum Side { case frontend, backend }

    static func publish(_ disk: BlockBackendDisk) {
        let own = UInt32(XenstoreService.ownDomain)
        let front = UInt32(disk.domain)
        guard directory(.frontend, front, owner: front, reader: own),
              directory(.backend, front, owner: own, reader: front) else { return }
        write(.frontend, front, "state") { $0.append("1") }
        write(.frontend, front, "backend") { path(.backend, front, &$0) }
        write(.frontend, front, "backend-id") { $0.appendDecimal(own) }
        write(.frontend, front, "virtual-device") { $0.appendDecimal(virtualDevice) }
        write(.frontend, front, "device-type") { $0.append("disk") }
        write(.backend, front, "frontend") { path(.frontend, front, &$0) }
        write(.backend, front, "frontend-id") { $0.appendDecimal(front) }
        write(.backend, front, "sectors") { $0.appendDecimal(UInt32(truncatingIfNeeded: disk.sectorCount)) }
        write(.backend, front, "sector-size") { $0.appendDecimal(sectorSize) }
        write(.backend, front, "info") { $0.append("0") }
        write(.backend, front, "feature-flush-cache") { $0.append("1") }
        write(.backend, front, "state") { $0.append("1") }
    }

    /// `/local/domain/<front>/device/vbd/<vdev>` or `/local/domain/<back>/backend/vbd/<front>/<vdev>`.
    static func path(_ side: Side, _ front: UInt32, _ w: inout ByteWriter) {
        w.append("/local/domain/")
        switch side {
        case .frontend:
            w.appendDecimal(front)
            w.append("/device/vbd/")
        case .backend:
            w.appendDecimal(UInt32(XenstoreService.ownDomain))
            w.append("/backend/vbd/")
            w.appendDecimal(front)
            w.append("/")
        }
        w.appendDecimal(virtualDevice)
    }

    /// MKDIR, then SET_PERMS `n<owner>` `r<reader>`: the keys written in it inherit the list.
    private static func directory(_ side: Side, _ front: UInt32, owner: UInt32, reader: UInt32) -> Bool {
        guard XenstoreLocal.request(.mkdir, "mkdir", { w in path(side, front, &w); w.append(0) }) else { return false }
        return XenstoreLocal.request(.setPermissions, "set_perms") { w in
            path(side, front, &w)
            w.append(0)
            w.append("n")
            w.appendDecimal(owner)
            w.append(0)
            w.append("r")
            w.appendDecimal(reader)
            w.append(0)
        }
    }

    /// WRITE `<directory>/<key>` = value.
    static func write(_ side: Side, _ front: UInt32, _ key: StaticString, _ value: (inout ByteWriter) -> Void) {
        XenstoreLocal.request(.write, key) { w in
            path(side, front, &w)
            w.append("/")
            w.append(key)
            w.append(0)
            value(&w)
        }
    }
}
