import HVRegs
import HypervisorCore

/// Why a VM is no longer running.
enum StopReason {
    case shutdown(ShutdownReason)
    case psciSystemOff
    case fault(StaticString)
    /// Stopped because VM `by`, which has `ends-run`, stopped (RunEnd).
    case runEnded(by: Int)
}

/// One VM: where its memory is, its stage-2 root, its VCPUs (in the VCPU
/// table), its virtual GIC, and what happened to it. The configuration is the
/// source of all of it.
struct VirtualMachine {
    var index: UInt32 = 0
    /// The physical CPU its VCPU 0 runs on (the configuration's `cpu`): the one its
    /// event upcalls go to.
    var physicalCPU: UInt32 = 0
    /// Its VCPUs: VCPUs.table[firstVCPU ..< firstVCPU + vcpuCount].
    var firstVCPU = 0
    var vcpuCount = 1
    /// The VM's name: bytes inside the embedded configuration blob.
    var name = UnsafeRawBufferPointer(start: nil, count: 0)
    var memoryBase: UInt32 = 0
    var memorySize: UInt32 = 0
    var physicalBase: UInt32 = 0
    var vttbr: UInt64 = 0
    /// Its stage-2 tables, kept for grant mappings made at run time.
    var stage2: Stage2Tables? = nil
    /// Which of its VCPUs are on (PSCI).
    var power = VCPUPower(vcpuCount: 1)
    var vgic = VirtualGIC(ownedPPIs: InterruptSet(), passthroughSPIs: InterruptSet())
    var stopped: StopReason? = nil
    /// What the hypervisor answers of its unmapped guest-physical space: the
    /// GIC distributor and its sub-page device windows (virtio transports).
    var mmioRegions = MMIORegionTable()
    /// Its console_io output since the last line it finished (GuestConsoleOutput).
    var consoleLine = GuestLineBuffer()
    /// Typed input for it, until its console_io read takes it (ConsoleInput).
    var consoleInput = ConsoleInputQueue()
    /// It boots a Linux kernel (docs/LINUX.md).
    var isLinux = false
    /// Its stop ends the run (`ends-run`, RunEnd).
    var endsRun = false

    // Counters for the final report.
    var hypercalls: UInt32 = 0
    /// Lines' worth of console_io writes (zero for a VM that prints through a console ring).
    var consoleWrites: UInt32 = 0
    var traps: UInt32 = 0
    var injectedFaults: UInt32 = 0
    var interrupts: UInt32 = 0
    /// Accesses to its sub-page device windows the hypervisor performed for it.
    var forwardedAccesses: UInt32 = 0
    /// Whole `CHECK <name> FAILED` lines it wrote through console_io (GuestConsoleOutput).
    var failedChecks: UInt32 = 0
    /// Times it restarted (VMRestart).
    var restarts: UInt32 = 0
    /// grant_table_op argument structs handled for it (every batch, across continuations).
    var grantOperations: UInt32 = 0

    init() {}

    var isRunnable: Bool { stopped == nil }

    /// Several VCPUs: their CPUs share the vGIC and the power states, under LOCK_VCPUS.
    var isSMP: Bool { vcpuCount > 1 }

    /// It reported a failed check, crashed (SHUTDOWN_crash) or was stopped
    /// for a fault: the run ends with EXIT_STATUS_GUEST_FAILED.
    var hasFailed: Bool {
        if failedChecks > 0 { return true }
        switch stopped {
        case .shutdown(.crash), .fault: return true
        default: return false
        }
    }

    /// The label as configured (the validator allows only safe characters); escaped all the same.
    func writeName<Sink: TextSink>(to sink: inout Sink) {
        for byte in name { GuestLineBuffer.writeEscaped(byte, to: &sink) }
    }
}

/// The VM table, sized by the configuration maximum. It lives in its own
/// linker-reserved region and is reached through a pointer, so that
/// `Machines.table[vm].vgic.fill…()` mutates in place: through an InlineArray
/// global, Swift copied whole VM records (kilobytes) in and out on every trap.
enum Machines {
    static let capacity = 8
    static var table: UnsafeMutablePointer<VirtualMachine> {
        UnsafeMutablePointer(bitPattern: hv_vm_table_start()).unsafelyUnwrapped
    }

    /// Before anything touches the table: it fits its region, and every record is initialized.
    static func initialize() {
        guard MemoryLayout<VirtualMachine>.stride * capacity <= Int(hv_vm_table_end() - hv_vm_table_start()) else {
            Panic.halt("the VM table does not fit its linker region (.vmtable)")
        }
        table.initialize(repeating: VirtualMachine(), count: capacity)
    }
    nonisolated(unsafe) static var count = 0
    /// The VM whose VCPU is on this CPU (nil: idle, or not started): the one
    /// accessor for it, kept in this CPU's record.
    static var current: Int? {
        @inline(__always) get { ThisCPU.record.pointee.current }
        set { ThisCPU.record.pointee.current = newValue }
    }

    /// The guest buffer [address, address + length) of `vm`, through the
    /// hypervisor's identity map, or nil when it is not wholly inside the VM's
    /// memory (the hypercall then answers -EFAULT).
    static func guestBytes(vm: Int, address: UInt32, length: Int) -> UnsafeMutableRawBufferPointer? {
        let base = table[vm].memoryBase, size = table[vm].memorySize, physicalBase = table[vm].physicalBase
        guard length >= 0,
              case .success = validateGuestRange(address: address, length: UInt32(truncatingIfNeeded: length),
                                                 memoryBase: base, memorySize: size)
        else { return nil }
        let physical = UInt(physicalBase) + UInt(address - base)
        return UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: physical), count: length)
    }

    /// Runs `body` on `vm`'s shared VCPU state (its vGIC, its power states): under
    /// LOCK_VCPUS when its VCPUs may be on several CPUs, directly otherwise.
    @inline(__always)
    static func withVCPUState<Result>(of vm: Int, _ body: () -> Result) -> Result {
        if table[vm].isSMP { return CrossCPU.withLock(LOCK_VCPUS, body) }
        return body()
    }

    static var allStopped: Bool {
        for index in 0..<count where table[index].isRunnable { return false }
        return true
    }
}
