import HVRegs
import HypervisorCore

/// What CPUs share, and how one CPU asks another to act (docs/SMP.md). A VCPU
/// belongs to the CPU it is assigned to: only that CPU touches its context and
/// its scheduling entry. A VM with one VCPU belongs wholly to that CPU (its
/// virtual GIC too); the vGIC and power states of a VM with several VCPUs are
/// shared by their CPUs under LOCK_VCPUS. Another CPU that needs a VCPU's CPU
/// to act posts a bit in that CPU's mailbox word and sends it SGI_MAILBOX:
///   bit n      (upcallBits): raise VCPU n's event upcall (one-VCPU VMs: the owner injects it);
///   bit 8 + n  (kickBits):   VCPU n's vGIC bank or power state changed: wake it if it
///                            can run now, take it off the CPU if its VM stopped.
/// Tables all VMs share (event channels, grants, run states at a stop, the
/// console) are used under a spinlock.
enum CrossCPU {
    /// Runs `body` holding spinlock `lock` (a LOCK_* of hypervisor_abi.h).
    @inline(__always)
    static func withLock<Result>(_ lock: Int32, _ body: () -> Result) -> Result {
        let word = hv_lock_word(UInt32(lock))
        apus_spin_lock(word)
        defer { apus_spin_unlock(word) }
        return body()
    }

    /// The CPU `vm`'s VCPU 0 runs on.
    @inline(__always)
    static func owner(of vm: Int) -> Int { Int(Machines.table[vm].physicalCPU) }

    static let kickShift: UInt32 = 8

    /// Asks `vcpu`'s CPU to raise its event upcall (VirtualInterrupts.inject on that CPU).
    static func postUpcall(vcpu: Int) {
        post(1 &<< UInt32(truncatingIfNeeded: vcpu), to: VCPUs.table[vcpu].physicalCPU)
    }

    /// Asks `vcpu`'s CPU to look at it again (VirtualInterrupts.notice).
    static func kick(vcpu: Int) {
        post(1 &<< (kickShift &+ UInt32(truncatingIfNeeded: vcpu)), to: VCPUs.table[vcpu].physicalCPU)
    }

    private static func post(_ bits: UInt32, to cpu: Int) {
        _ = apus_atomic_or(hv_mailbox_word(UInt32(cpu)), bits)
        GIC.sendSGI(UInt32(SGI_MAILBOX), to: cpu)
    }

    /// SGI_MAILBOX arrived: act on everything other CPUs posted for this CPU's VCPUs.
    static func drainMailbox() {
        let posted = apus_atomic_take(hv_mailbox_word(UInt32(ThisCPU.index)))
        var upcalls = posted & 0xFF
        while upcalls != 0 {
            let vcpu = Int(upcalls.trailingZeroBitCount)
            upcalls &= upcalls &- 1
            guard vcpu < VCPUs.count else { continue }
            let vm = VCPUs.table[vcpu].vm
            if Machines.table[vm].isRunnable {
                VirtualInterrupts.inject(vm: vm, vcpu: VCPUs.table[vcpu].index, intid: VirtualGIC.eventChannelPPI, hardware: false)
            }
        }
        var kicks = (posted &>> kickShift) & 0xFF
        while kicks != 0 {
            let vcpu = Int(kicks.trailingZeroBitCount)
            kicks &= kicks &- 1
            if vcpu < VCPUs.count { VirtualInterrupts.notice(vcpu) }
        }
    }
}
