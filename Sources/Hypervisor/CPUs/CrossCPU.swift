import HVRegs
import HypervisorCore

/// What CPUs share, and how one CPU asks another to act (docs/SMP.md). A VM
/// belongs to the CPU its VCPU is on: only that CPU touches its VCPU, its
/// scheduling entry and its virtual GIC. Another CPU that has to raise an
/// event upcall for it posts the VM in the owner's mailbox and sends it
/// SGI_MAILBOX; the owner injects the upcall itself. Tables all VMs share
/// (event channels, grants, run states at a stop, the console) are used under
/// a spinlock.
enum CrossCPU {
    /// Runs `body` holding spinlock `lock` (a LOCK_* of hypervisor_abi.h).
    @inline(__always)
    static func withLock<Result>(_ lock: Int32, _ body: () -> Result) -> Result {
        let word = hv_lock_word(UInt32(lock))
        apus_spin_lock(word)
        defer { apus_spin_unlock(word) }
        return body()
    }

    /// The CPU `vm`'s VCPU runs on.
    @inline(__always)
    static func owner(of vm: Int) -> Int { Int(Machines.table[vm].physicalCPU) }

    /// Asks `vm`'s CPU to raise its event upcall (VirtualInterrupts.inject on that CPU).
    static func postUpcall(vm: Int) {
        let cpu = owner(of: vm)
        _ = apus_atomic_or(hv_mailbox_word(UInt32(cpu)), 1 &<< UInt32(vm))
        GIC.sendSGI(UInt32(SGI_MAILBOX), to: cpu)
    }

    /// SGI_MAILBOX arrived: raise every upcall other CPUs posted for this CPU's VMs.
    static func drainMailbox() {
        var posted = apus_atomic_take(hv_mailbox_word(UInt32(ThisCPU.index)))
        while posted != 0 {
            let vm = Int(posted.trailingZeroBitCount)
            posted &= posted &- 1
            if vm < Machines.count, Machines.table[vm].isRunnable {
                VirtualInterrupts.inject(vm: vm, intid: VirtualGIC.eventChannelPPI, hardware: false)
            }
        }
    }
}
