// Device windows smaller than a page (the four virtio-mmio transports share
// one 4 KiB page) cannot be given to a VM by stage 2, whose unit is the page.
// The page stays unmapped in every VM that owns only part of it; the VM's
// accesses fault to the hypervisor, which performs those that fall inside the
// VM's own windows on the physical registers and refuses the rest (a guest
// fault, like any access outside what the VM was given). This file is the
// decision, pure and host-tested; Sources/Hypervisor/Traps/ForwardedMMIO.swift does
// the access. Device registers are identity-mapped: IPA == physical address.

/// A stage-2 data abort as the syndrome (HSR) describes it.
public struct TrappedAccess: Equatable, Sendable {
    /// The faulting guest-physical address (HPFAR and HDFAR combined).
    public var address: GuestPhysicalAddress
    /// HSR of the data abort: ISV [24], SAS [23:22], SSE [21], SRT [19:16], WnR [6].
    public var syndrome: UInt32

    public init(address: GuestPhysicalAddress, syndrome: UInt32) {
        self.address = address
        self.syndrome = syndrome
    }

    /// ISV: the syndrome describes the instruction (a single load or store of a
    /// general register); without it the access cannot be replayed.
    public var hasValidSyndrome: Bool { syndrome & (1 << 24) != 0 }
    public var width: AccessWidth {
        switch (syndrome >> 22) & 3 {
        case 0: .byte
        case 1: .halfword
        default: .word  // 3 (doubleword) never comes with ISV on ARMv7
        }
    }
    public var isDoubleword: Bool { (syndrome >> 22) & 3 == 3 }
    public var signExtends: Bool { syndrome & (1 << 21) != 0 }
    public var register: UInt32 { (syndrome >> 16) & 0xF }
    public var isWrite: Bool { syndrome & (1 << 6) != 0 }
}

/// An access the hypervisor performs for the guest.
public struct ForwardedAccess: Equatable, Sendable {
    public var physical: PhysicalAddress
    public var width: AccessWidth
    public var isWrite: Bool
    /// The guest register loaded or stored (r0-r12).
    public var register: UInt32
    public var signExtends: Bool

    public init(physical: PhysicalAddress, width: AccessWidth, isWrite: Bool, register: UInt32, signExtends: Bool) {
        self.physical = physical
        self.width = width
        self.isWrite = isWrite
        self.register = register
        self.signExtends = signExtends
    }

    /// What the guest register receives for a load that read `raw` (the
    /// device's value in the low `width` bytes): zero- or sign-extended.
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
    public func stored(_ register: UInt32) -> UInt32 {
        switch width {
        case .byte: register & 0xFF
        case .halfword: register & 0xFFFF
        case .word: register
        }
    }
}

/// Why an access is not forwarded (the guest gets the abort it would get for
/// any address it was not given).
public enum ForwardRefusal: Equatable, Sendable {
    /// The address is in none of the VM's windows (another VM's, or nobody's).
    case outsideWindows
    /// ISV = 0: the syndrome does not describe the access (e.g. LDM/STM, LDRD).
    case noSyndrome
    /// A doubleword, or an address not aligned to the access size.
    case unsupportedAccess
    /// PC (or a register number beyond it) as the transfer register: not forwarded.
    case unsupportedRegister
}

public enum ForwardDecision: Equatable, Sendable {
    case forward(ForwardedAccess)
    case refuse(ForwardRefusal)
}

/// The device windows of one VM that stage 2 does not map (devices whose
/// registers are not whole pages).
public struct ForwardedWindows: Equatable, Sendable {
    public static let capacity = VMConfig.maximumDevices

    public var windows: InlineArray<4, PhysicalRange>
    public var count: Int

    public init() {
        windows = InlineArray(repeating: PhysicalRange(base: PhysicalAddress(UInt64(0)), size: 0))
        count = 0
    }

    /// The windows of `vm`'s devices that are not whole pages (validated configuration).
    public init(vm: VMConfig) {
        self.init()
        for d in 0..<vm.deviceCount where !vm.devices[d].isWholePages {
            add(vm.devices[d].registers)
        }
    }

    public mutating func add(_ window: PhysicalRange) {
        guard count < ForwardedWindows.capacity, window.size > 0 else { return }
        windows[count] = window
        count += 1
    }

    public var isEmpty: Bool { count == 0 }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a.windows[i] != b.windows[i] { return false }
        return true
    }

    /// Whether the VM owns the byte at `address` through a forwarded window.
    public func contains(_ address: GuestPhysicalAddress) -> Bool {
        for i in 0..<count where windows[i].contains(PhysicalAddress(address.value)) { return true }
        return false
    }

    /// Forward the access, or refuse it and say why.
    public func decide(_ access: TrappedAccess) -> ForwardDecision {
        let physical = PhysicalAddress(access.address.value)
        var inside = false
        for i in 0..<count where windows[i].contains(physical) { inside = true }
        guard inside else { return .refuse(.outsideWindows) }
        guard access.hasValidSyndrome else { return .refuse(.noSyndrome) }
        let width = access.width
        let bytes = UInt64(widening: UInt32(width.rawValue))
        guard !access.isDoubleword, physical.value % bytes == 0 else { return .refuse(.unsupportedAccess) }
        guard access.register <= 14 else { return .refuse(.unsupportedRegister) }  // SP and LR: banked, replayed by mode
        // Windows are at least word-aligned, so an aligned access lies in one window.
        return .forward(ForwardedAccess(physical: physical, width: width, isWrite: access.isWrite,
                                        register: access.register, signExtends: access.signExtends && !access.isWrite))
    }
}
