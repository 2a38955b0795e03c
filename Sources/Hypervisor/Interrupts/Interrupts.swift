import HVRegs
import HypervisorCore

/// Physical interrupts: every one is taken by the hypervisor (HCR.IMO) and
/// either serves the hypervisor (its timer, the GIC maintenance interrupt) or
/// is injected into the VM that owns it.
enum Interrupts {
    /// Interrupts nobody owns (counted, then masked).
    nonisolated(unsafe) static var unowned: UInt32 = 0

    /// Handles every interrupt the CPU interface has pending.
    static func handlePending() {
        while true {
            let iar = GIC.acknowledge()
            let intid = iar & 0x3FF
            if intid >= 1020 { return }
            handle(iar: iar, intid: intid)
        }
    }

    private static func handle(iar: UInt32, intid: UInt32) {
        switch intid {
        case GIC.hypTimerInterrupt:
            HypTimer.stop()
            complete(iar)
            Scheduling.timerFired()
        case UInt32(SGI_MAILBOX):
            complete(iar)
            CrossCPU.drainMailbox()
        case GIC.maintenanceInterrupt:
            // List registers are refilled on the way back into the guest.
            complete(iar)
        case GIC.virtualTimerInterrupt:
            // Only the running VCPU's timer is live; the guest's EOI deactivates it.
            guard let vm = Machines.current else {
                complete(iar)
                return
            }
            GIC.dropPriority(iar)
            VirtualInterrupts.inject(vm: vm, vcpu: ThisCPU.record.pointee.currentBank, intid: intid, hardware: true)
        case UInt32(BOARD_CONSOLE_INTERRUPT) where ConsoleInput.isServing:
            CrossCPU.withLock(LOCK_SHARED_TABLES) { ConsoleInput.receive() }
            complete(iar)
        default:
            if let owner = VirtualInterrupts.owner(of: intid) {
                GIC.dropPriority(iar)
                VirtualInterrupts.inject(vm: owner, intid: intid, hardware: true)
            } else {
                unowned &+= 1
                GIC.disable(intid)
                complete(iar)
            }
        }
    }

    /// Priority drop and deactivation of an interrupt the hypervisor consumed.
    private static func complete(_ iar: UInt32) {
        GIC.dropPriority(iar)
        GIC.deactivate(iar)
    }
}
