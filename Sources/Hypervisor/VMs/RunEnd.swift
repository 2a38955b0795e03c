import HVRegs
import HypervisorCore
import XenRings

/// `ends-run;` (docs/CONFIG.md): when that VM stops, for whatever reason, every
/// other VM is stopped and the run ends with the usual end-of-run report.
/// The console back end goes last: it is left to print what the stopped VMs
/// had already put in their console rings (the ender's last lines are its
/// results), and is stopped the first time it waits for an interrupt with
/// every ring drained.
enum RunEnd {
    /// The VM whose stop is ending the run; nil while the run goes on.
    nonisolated(unsafe) static var ender: Int? = nil

    /// After `vm` stopped (VMStop): when it ends the run, stop the others.
    static func stopped(vm: Int) {
        guard ender == nil, Machines.table[vm].endsRun else { return }
        ender = vm
        for other in 0..<Machines.count where other != vm && other != SplitConsole.backend {
            VMStop.stop(vm: other, frame: nil, reason: .runEnded(by: vm))
        }
    }

    /// The console back end `vm` is about to wait for an interrupt: once the
    /// run is ending and it has taken every byte from every console ring
    /// (it prints a line before it waits again), it is stopped instead.
    /// True when it was.
    static func stopConsoleBackendIfDone(vm: Int) -> Bool {
        guard let ender, vm == SplitConsole.backend, everyRingDrained() else { return false }
        VMStop.stop(vm: vm, frame: nil, reason: .runEnded(by: ender))
        return true
    }

    private static func everyRingDrained() -> Bool {
        let stream = ConsoleStream.output
        for vm in 0..<Machines.count {
            guard let page = SplitConsole.ringPage(of: vm) else { continue }
            if hv_peek32(page + UInt(stream.consumerOffset)) != hv_peek32(page + UInt(stream.producerOffset)) { return false }
        }
        return true
    }
}
