import HVRegs
import HypervisorCore

/// One VCPU: its register context while it is off the CPU, the physical CPU
/// it belongs to (the configuration's `cpu`), and its Xen areas. Its vGIC
/// state is bank `index` of its VM's VirtualGIC, its power state entry `index`
/// of its VM's VCPUPower. Only its own CPU touches its context.
struct VirtualCPU {
    /// The VM it belongs to, and its number there (MPIDR.Aff0, vGIC bank, PSCI target).
    var vm = 0
    var index = 0
    var physicalCPU = 0
    var context = VCPUContext()
    /// Where the guest moved this VCPU's vcpu_info (VCPUOP_register_vcpu_info), through the identity map.
    var vcpuInfo: UnsafeMutableRawPointer? = nil
    /// Its runstate, and the guest virtual address it asked to see it at (0: none).
    var runstate = RunstateAccount(now: 0)
    var runstateArea: UInt32 = 0
    /// Times the scheduler put it on its CPU (the end-of-run report).
    var dispatches: UInt32 = 0

    init() {}
}

/// The VCPU table: every VM's VCPUs, a VM's in a row from its `firstVCPU`, so
/// that with one VCPU per VM, VCPU n is VM n's. The ids are the scheduler's
/// (VCPUID). It lives after the VM table in the same linker region.
enum VCPUs {
    static let capacity = VMConfig.maximumSystemVCPUs
    static var table: UnsafeMutablePointer<VirtualCPU> {
        UnsafeMutableRawPointer(Machines.table + Machines.capacity)
            .alignedUp(for: VirtualCPU.self).assumingMemoryBound(to: VirtualCPU.self)
    }
    nonisolated(unsafe) static var count = 0

    /// Before anything touches the table: it fits the region after the VMs.
    static func initialize() {
        let end = UnsafeMutableRawPointer(table + capacity)
        guard UInt(bitPattern: end) <= hv_vm_table_end() else {
            Panic.halt("the VCPU table does not fit its linker region after the VM table (.vmtable)")
        }
        table.initialize(repeating: VirtualCPU(), count: capacity)
    }

    /// The VCPU on this CPU (valid while `Machines.current` is not nil).
    static var current: Int {
        @inline(__always) get { ThisCPU.record.pointee.currentVCPU }
    }

    /// VCPU `index` of `vm`.
    @inline(__always)
    static func of(vm: Int, _ index: Int) -> Int { Machines.table[vm].firstVCPU + index }

    /// The VCPUs of `vm`.
    static func all(of vm: Int) -> Range<Int> {
        Machines.table[vm].firstVCPU..<(Machines.table[vm].firstVCPU + Machines.table[vm].vcpuCount)
    }
}
