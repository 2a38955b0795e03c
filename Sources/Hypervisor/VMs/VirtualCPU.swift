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
/// (VCPUID). It lives in the upper part of the VM table's linker region, at a
/// fixed offset, so that finding it costs no more than finding the VM table.
enum VCPUs {
    static let capacity = VMConfig.maximumSystemVCPUs
    /// Where the table starts in .vmtable: the VM records come first.
    static let regionOffset: UInt = 40 * 1024
    static var table: UnsafeMutablePointer<VirtualCPU> {
        UnsafeMutablePointer(bitPattern: hv_vm_table_start() &+ regionOffset).unsafelyUnwrapped
    }
    nonisolated(unsafe) static var count = 0

    /// Before anything touches the table: the VMs end before it, and it fits the region.
    static func initialize() {
        guard MemoryLayout<VirtualMachine>.stride * Machines.capacity <= Int(regionOffset),
              MemoryLayout<VirtualCPU>.alignment <= 64,
              Int(regionOffset) + MemoryLayout<VirtualCPU>.stride * capacity <= Int(hv_vm_table_end() - hv_vm_table_start())
        else { Panic.halt("the VM and VCPU tables do not fit their linker region (.vmtable)") }
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
