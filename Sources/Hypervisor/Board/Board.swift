import HVRegs
import HypervisorCore

/// The platform this hypervisor was built for: board.h's BOARD_KIND names the
/// description (Sources/HypervisorCore/Platform), with the RAM and the stage-2
/// table region the link map gives (validation refuses VMs whose tables do not fit it).
enum Board {
    static var kind: PlatformKind {
        guard let kind = PlatformKind(rawValue: UInt32(BOARD_KIND)) else { fatalError("board.h names no known platform") }
        return kind
    }

    static var platform: Platform {
        kind.platform(ramSize: UInt64(widening: UInt32(hv_ram_end() - hv_ram_start())),
                      stage2TablePages: Int(hv_stage2_end() - hv_stage2_start()) / 4096)
    }
}
