import GuestRuntime
import GuestSupport
import HypervisorCore

/// Loads and stores outside this VM's memory and devices. Stage 2 maps
/// nothing there, so each access must come back as a data abort injected
/// into the guest (caught by Faults.expect). A value read or a store that
/// completes means the access reached something it must not.
func attackMemory(_ attempts: inout Attempts, memoryEnd: UInt32, victim: UInt32?) {
    if let victim {
        if victim >= guestRAMBase, victim < memoryEnd {
            note("victim address is inside this VM's own memory: not an attack")
            attempts.record("hostile-victim-outside-own-memory", refused: false)
        } else {
            attempts.record("hostile-victim-read", refused: readFaults(victim))
            attempts.record("hostile-victim-write", refused: writeFaults(victim))
        }
    }
    // The first page past its RAM (the next VM's memory may be right there
    // physically, but not guest-physically).
    attempts.record("hostile-past-end-read", refused: readFaults(memoryEnd))
    attempts.record("hostile-past-end-write", refused: writeFaults(memoryEnd))
    // Just below its RAM.
    attempts.record("hostile-below-ram-read", refused: readFaults(guestRAMBase &- 4))
    // The GIC's virtual interface control (the hypervisor's) and the real
    // GICV frame (the guest's CPU interface is mapped at 0x2C002000 only).
    attempts.record("hostile-gich-read", refused: readFaults(0x2C00_4000))
    attempts.record("hostile-gich-write", refused: writeFaults(0x2C00_4000))
    attempts.record("hostile-gicv-frame-read", refused: readFaults(0x2C00_6000))
    // UART0, the hypervisor's console, never passed through.
    attempts.record("hostile-uart0-read", refused: readFaults(0x1C09_0000))
    attempts.record("hostile-uart0-write", refused: writeFaults(0x1C09_0000, value: 0x21))
    // The motherboard's SYS_CFGCTRL: this store would power the machine off.
    attempts.record("hostile-sysctl-poweroff", refused: writeFaults(0x1C01_00A4, value: 0xC080_0000))
}

func readFaults(_ address: UInt32) -> Bool {
    expectFault { _ = g_mmio_read32(UInt(address)) } == .dataAbort
}

func writeFaults(_ address: UInt32, value: UInt32 = 0xBAD0_BAD0) -> Bool {
    expectFault { g_mmio_write32(UInt(address), value) } == .dataAbort
}

/// `NOTE <text>`: context for a human reading the log.
func note(_ text: StaticString) {
    var out = GuestConsole()
    out.write("NOTE ")
    out.write(text)
    out.newline()
}
