import HVRegs
import HypervisorCore

/// The scheduling loop every physical CPU runs over its own VCPUs.
typealias SchedulingLoop = VCPUScheduling<ConfiguredScheduler<8>, 8>

/// What belongs to one physical CPU and to no other: the VCPU on it, its
/// scheduling loop (run queue, decision flag), its trace ring, its cost
/// meters and its CPU-time window. Only that CPU reads or writes its record,
/// except CPU 0 before it releases the secondaries (docs/SMP.md).
struct CPURecord {
    // What every trap reads comes first: small offsets from HTPIDR, one
    // instruction each (the trace ring alone is tens of kilobytes).
    /// The VM whose VCPU is on this CPU (nil: idle, or not started).
    var current: Int? = nil
    /// That VCPU (VCPUs.table), and its number in its VM (its vGIC bank); stale while `current` is nil.
    var currentVCPU = 0
    var currentBank = 0
    /// That VCPU's bank of its VM's VirtualGIC, where it lies in the VM table: the trap
    /// path's two questions (live list registers, changed since the fill) are one load each.
    var currentInterrupts: UnsafeMutablePointer<VCPUInterruptBank>? = nil
    /// The VCPU whose list registers and GICH_HCR this CPU's GIC holds (VirtualInterrupts).
    var listRegistersOf: Int? = nil
    /// Instructions from entry to the Swift trap dispatcher until it returns.
    var trapCost = CostMeter()
    /// Instructions (PMU cycles under -icount) per decision and per VCPU switch.
    var decideCost = CostMeter()
    var switchCost = CostMeter()
    var loop = SchedulingLoop(scheduler: ConfiguredScheduler(policy: .sedf))
    var trace = HypervisorTraceRing()
    /// CPU time per VM from the first dispatch to the first VM's stop (the power-off report's common window).
    var window = CPUWindow<8>()
    /// A hypercall's guest buffer that is not contiguous in guest-physical memory, copied
    /// here and back (GuestVirtualMemory): per CPU, as VCPUs on several CPUs make hypercalls at once.
    var bounce = InlineArray<4096, UInt8>(repeating: 0)
    var bounced: (vm: Int, virtual: UInt32, length: Int, write: Bool)? = nil
}

/// This CPU's record: Boot/start.S points HTPIDR at slot MPIDR.Aff0 of the
/// .percpu region before any Swift runs, so finding it costs one register read.
enum ThisCPU {
    @inline(__always)
    static var record: UnsafeMutablePointer<CPURecord> {
        UnsafeMutablePointer(bitPattern: hv_this_cpu_record()).unsafelyUnwrapped
    }

    /// The CPU's index (MPIDR.Aff0): the slot HTPIDR points at.
    static var index: Int { Int(bitPattern: hv_this_cpu_record() - hv_percpu_start()) / Int(PERCPU_SLOT_SIZE) }

    /// CPU `index`'s record, for CPU 0 before the secondaries run and for the end-of-run report.
    static func record(of index: Int) -> UnsafeMutablePointer<CPURecord> {
        UnsafeMutablePointer(bitPattern: hv_percpu_start() + UInt(index) * UInt(PERCPU_SLOT_SIZE)).unsafelyUnwrapped
    }

    /// CPU 0, first thing in apus_main: every slot holds a fresh record (the region is NOLOAD).
    static func initializeAll() {
        guard MemoryLayout<CPURecord>.size <= Int(PERCPU_SLOT_SIZE),
              hv_percpu_end() - hv_percpu_start() == UInt(APUS_MAX_CPUS) * UInt(PERCPU_SLOT_SIZE),
              hv_secondary_stacks_size() == UInt(APUS_MAX_CPUS - 1) * UInt(SECONDARY_STACK_SIZE)
        else { Panic.halt("the per-CPU records or secondary stacks do not fit their linker regions (.percpu, .secondary_stacks)") }
        // Field by field into zeroed memory (every field is a plain value): a whole
        // CPURecord() would be built on the HYP stack first, and it is most of a slot.
        for index in 0..<Int(APUS_MAX_CPUS) {
            let slot = record(of: index)
            UnsafeMutableRawPointer(slot).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<CPURecord>.size)
            slot.pointee.current = nil
            slot.pointee.currentVCPU = 0
            slot.pointee.currentBank = 0
            slot.pointee.currentInterrupts = nil
            slot.pointee.loop = SchedulingLoop(scheduler: ConfiguredScheduler(policy: .sedf))
            slot.pointee.trace = HypervisorTraceRing()
            slot.pointee.trapCost = CostMeter()
            slot.pointee.decideCost = CostMeter()
            slot.pointee.switchCost = CostMeter()
            slot.pointee.listRegistersOf = nil
            slot.pointee.bounced = nil  // `bounce` is zeroed memory
            slot.pointee.window = CPUWindow<8>()
        }
    }
}
