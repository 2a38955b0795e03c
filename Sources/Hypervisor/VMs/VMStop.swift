import HVRegs
import HypervisorCore

/// Stopping one VM (a shutdown, PSCI SYSTEM_OFF or a fault it cannot handle).
enum VMStop {
    /// Stops a VM: off the scheduler, a report on the console. Never touches
    /// the others, unless it ends the run (RunEnd).
    /// Its VCPUs on this CPU leave its scheduler now, those on other CPUs when
    /// their CPU sees the kick (VirtualInterrupts.notice).
    static func stop(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>?, reason: StopReason) {
        let first = Machines.withVCPUState(of: vm) { () -> Bool in
            guard Machines.table[vm].isRunnable else { return false }
            Machines.table[vm].stopped = reason
            return true
        }
        guard first else { return }
        CrossCPU.withLock(LOCK_CONSOLE) { GuestConsoleOutput.finish(vm: vm) }
        for vcpu in VCPUs.all(of: vm) {
            if VCPUs.table[vcpu].physicalCPU == ThisCPU.index { Scheduling.remove(vcpu) } else { CrossCPU.kick(vcpu: vcpu) }
        }
        VirtualInterrupts.release(vm: vm)
        CrossCPU.withLock(LOCK_SHARED_TABLES) { EventAndGrantTables.release(vm: vm) }
        CrossCPU.withLock(LOCK_CONSOLE) { report(vm: vm, frame: frame, reason: reason) }
        RunEnd.stopped(vm: vm)
    }

    private static func report(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>?, reason: StopReason) {
        var out = Console()
        out.write("Apus: VM ")
        Machines.table[vm].writeName(to: &out)
        out.write(" stopped: ")
        switch reason {
        case .shutdown(let why):
            out.write("shutdown (")
            out.write(why.name)
            out.write(")")
        case .psciSystemOff:
            out.write("PSCI SYSTEM_OFF")
        case .fault(let what):
            out.write("fault: ")
            out.write(what)
        case .runEnded(let ender):
            out.write("run ended by ")
            Machines.table[ender].writeName(to: &out)
        }
        if let frame, case .fault = reason {
            out.write(" at pc ")
            out.write(hex: frame.pointee.elr)
            out.write(", cpsr ")
            out.write(hex: frame.pointee.spsr)
            out.write(", hsr ")
            out.write(hex: frame.pointee.hsr)
        }
        out.newline()
    }
}
