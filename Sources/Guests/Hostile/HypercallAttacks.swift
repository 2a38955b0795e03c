import GuestRuntime
import GuestSupport
import HypervisorCore

/// Malformed hypercalls. Expected answers (Xen's numbers, negated in r0):
/// an unknown hypercall -ENOSYS; a buffer or pointer not wholly inside this
/// VM's memory -EFAULT; an unknown console_io command -ENOSYS; an unknown
/// sched_op command -ENOSYS (what Sources/Hypervisor/Hypercalls/
/// answers, and what Xen's do_sched_op does). Any other answer, and above
/// all success, fails the check.
func attackHypercalls(_ attempts: inout Attempts, memoryEnd: UInt32) {
    let noSystemCall = -XenError.notImplemented.rawValue
    let fault = -XenError.fault.rawValue

    attempts.record("hostile-hypercall-unknown", refused: raw(999) == noSystemCall)
    attempts.record("hostile-console-outside-memory",
                    refused: Hypervisor.consoleWrite(address: memoryEnd, count: 16) == fault)
    attempts.record("hostile-console-straddling-end",
                    refused: Hypervisor.consoleWrite(address: memoryEnd &- 8, count: 16) == fault)
    attempts.record("hostile-console-huge-count",
                    refused: Hypervisor.consoleWrite(address: memoryEnd &- 16, count: 0xFFFF_FFFF) == fault)
    attempts.record("hostile-console-wrapping-address",
                    refused: Hypervisor.consoleWrite(address: 0xFFFF_FFF0, count: 32) == fault)
    attempts.record("hostile-console-unknown-subop",
                    refused: Hypervisor.call(.consoleIO, 7, 0, guestRAMBase) == noSystemCall)
    attempts.record("hostile-sched-unknown-subop", refused: Hypervisor.call(.schedOp, 99) == noSystemCall)
    // A shutdown whose argument is outside memory must be refused, not obeyed.
    attempts.record("hostile-shutdown-bad-pointer",
                    refused: Hypervisor.call(.schedOp, SchedOpCommand.shutdown.rawValue, memoryEnd) == fault)
    // Calls Apus does not support are answered as Xen answers them, never with a
    // success that does nothing: a VIRQ it never raises.
    attempts.record("hostile-virq-never-raised-refused",
                    refused: EventChannels.bindVirq(VirtualIRQ.timer) == -XenError.invalid.rawValue)
    attempts.record("hostile-console-read-outside-memory",
                    refused: Hypervisor.call(.consoleIO, ConsoleIOCommand.read.rawValue, 16, memoryEnd) == fault)
    // After all that, the hypercall path still answers properly.
    attempts.record("hostile-hypercalls-still-work",
                    refused: UInt32(bitPattern: Hypervisor.xenVersion()) == reportedXenVersion)
}

/// A hypercall by number, including numbers `Hypercall` does not name.
private func raw(_ number: UInt32) -> Int32 {
    Int32(bitPattern: guest_hypercall(number, 0, 0, 0, 0))
}
