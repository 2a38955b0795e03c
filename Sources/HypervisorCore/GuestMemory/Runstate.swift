// Xen's vcpu_runstate_info (vcpu.h), kept by the hypervisor for each VCPU and
// written into the guest's registered area (VCPUOP_register_runstate_memory_area)
// each time the VCPU is put on the CPU. Linux computes steal time from it
// (time in runnable + offline).
//
// Layout on ARM (64-bit fields 8-aligned), 48 bytes:
//   0 state i32, 8 state_entry_time u64 (ns), 16 time[4] u64 (ns per state).

public enum RunstateState: Int32, Sendable {
    case running = 0, runnable = 1, blocked = 2, offline = 3
}

public struct RunstateAccount: Equatable, Sendable {
    public static let size = 48

    public private(set) var state: RunstateState
    public private(set) var entryTime: UInt64
    public private(set) var times: (UInt64, UInt64, UInt64, UInt64)

    /// A VCPU that exists from `now` on, runnable.
    public init(now: UInt64) {
        state = .runnable
        entryTime = now
        times = (0, 0, 0, 0)
    }

    /// The VCPU changes to `next` at `now`: the time since the last change is
    /// charged to the state it leaves (time never runs backwards).
    public mutating func enter(_ next: RunstateState, at now: UInt64) {
        let spent = now > entryTime ? now - entryTime : 0
        switch state {
        case .running: times.0 &+= spent
        case .runnable: times.1 &+= spent
        case .blocked: times.2 &+= spent
        case .offline: times.3 &+= spent
        }
        state = next
        if now > entryTime { entryTime = now }
    }

    /// Writes vcpu_runstate_info into `area` (at least `size` bytes).
    public func write(into area: UnsafeMutableRawBufferPointer) {
        guard area.count >= RunstateAccount.size, let area = area.baseAddress else { return }
        area.storeBytes(of: state.rawValue, toByteOffset: 0, as: Int32.self)
        area.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
        area.storeBytes(of: entryTime, toByteOffset: 8, as: UInt64.self)
        area.storeBytes(of: times.0, toByteOffset: 16, as: UInt64.self)
        area.storeBytes(of: times.1, toByteOffset: 24, as: UInt64.self)
        area.storeBytes(of: times.2, toByteOffset: 32, as: UInt64.self)
        area.storeBytes(of: times.3, toByteOffset: 40, as: UInt64.self)
    }

    public static func == (a: RunstateAccount, b: RunstateAccount) -> Bool {
        a.state == b.state && a.entryTime == b.entryTime && a.times.0 == b.times.0 && a.times.1 == b.times.1
            && a.times.2 == b.times.2 && a.times.3 == b.times.3
    }
}
