// Device windows smaller than a page (the four virtio-mmio transports share
// one 4 KiB page) cannot be given to a VM by stage 2, whose unit is the page.
// The page stays unmapped in every VM that owns only part of it; the VM's
// accesses fault to the hypervisor, which finds them in the VM's MMIO region
// table (MMIORegionTable.swift) and performs those it can replay on the
// physical registers. This file is that decision, pure and host-tested;
// Sources/Hypervisor/Traps/GuestMMIO.swift does the access. Device registers
// are identity-mapped: IPA == physical address.

/// An access the hypervisor performs for the guest.
public struct ForwardedAccess: Equatable, Sendable {
    public var physical: PhysicalAddress
    public var width: AccessWidth
    public var isWrite: Bool
    /// The guest register loaded or stored (r0-r14; SP and LR banked by the guest's mode).
    public var register: UInt32
    public var signExtends: Bool

    public init(physical: PhysicalAddress, width: AccessWidth, isWrite: Bool, register: UInt32, signExtends: Bool) {
        self.physical = physical
        self.width = width
        self.isWrite = isWrite
        self.register = register
        self.signExtends = signExtends
    }

    /// Forward a trapped access inside one of the VM's windows, or refuse it
    /// and say why.
    @inlinable @inline(__always)
    public static func decide(_ access: DataAbortSyndrome) -> MMIORoute {
        let physical = PhysicalAddress(access.address.value)
        guard access.isValid else { return .refuse(.noSyndrome) }
        let width = access.width
        let bytes = UInt64(widening: UInt32(width.rawValue))
        guard !access.isDoubleword, physical.value % bytes == 0 else { return .refuse(.unsupportedAccess) }
        guard access.register <= 14 else { return .refuse(.unsupportedRegister) }  // SP and LR: banked, replayed by mode
        // Windows are at least word-aligned, so an aligned access lies in one window.
        return .forward(ForwardedAccess(physical: physical, width: width, isWrite: access.isWrite,
                                        register: access.register, signExtends: access.signExtends && !access.isWrite))
    }

    /// What the guest register receives for a load that read `raw` (the
    /// device's value in the low `width` bytes): zero- or sign-extended.
    @inlinable
    public func loaded(_ raw: UInt32) -> UInt32 {
        switch width {
        case .byte:
            signExtends ? UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: raw))) : raw & 0xFF
        case .halfword:
            signExtends ? UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: raw))) : raw & 0xFFFF
        case .word:
            raw
        }
    }

    /// What a store writes: the register's low `width` bytes.
    @inlinable
    public func stored(_ register: UInt32) -> UInt32 {
        switch width {
        case .byte: register & 0xFF
        case .halfword: register & 0xFFFF
        case .word: register
        }
    }
}
