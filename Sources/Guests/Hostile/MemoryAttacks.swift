import GuestRuntime
import GuestSupport
import HypervisorCore

/// Loads and stores outside this VM's memory and devices. Stage 2 maps
/// nothing there, so each access must come back as a data abort injected
/// into the guest (caught by Faults.expect). A value read or a store that
/// completes means the access reached something it must not.
/// `sweepEnd`: see `sweep`.
func attackMemory(_ attempts: inout Attempts, memoryEnd: UInt32, sweepEnd: UInt32?) {
    if let sweepEnd { sweep(&attempts, from: memoryEnd, to: sweepEnd) }
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

/// The virtio-mmio MagicValue ("virt", little-endian) at offset 0 of a transport.
let virtioMagic: UInt32 = 0x7472_6976

/// Sub-page device windows (bootargs `own-window=` and `foreign-window=`): the
/// VM's own virtio transport is forwarded by the hypervisor, so reading its
/// MagicValue must work (a control, not an attack); another VM's transport in
/// the same 4 KiB page must fault like any device the VM was not given.
func attackWindows(_ attempts: inout Attempts, own: UInt32?, foreign: UInt32?, physicalBase: UInt32?) {
    if let physicalBase {
        var out = GuestConsole()
        out.write("DMA physical-base=")
        out.write(hex: physicalBase)
        out.newline()
    }
    if let own {
        var magic: UInt32 = 0
        let fault = expectFault { magic = g_mmio_read32(UInt(own)) }
        var out = GuestConsole()
        out.write("WINDOW own=")
        out.write(hex: own)
        out.write(" magic=")
        out.write(hex: magic)
        out.newline()
        check("hostile-own-window-magic", fault == nil && magic == virtioMagic)
        // Narrower loads go through the same forwarding path. QEMU's virtio-mmio
        // answers only word accesses to its registers, but any width in the
        // device's configuration space (offset 0x100): read a word there, then
        // a byte (zero- and sign-extended) and a halfword of it.
        var word: UInt32 = 0, byte: UInt32 = 0, signedByte: UInt32 = 0, half: UInt32 = 0
        let narrowFault = expectFault {
            word = g_mmio_read32(UInt(own) + 0x100)
            byte = UInt32(truncatingIfNeeded: g_mmio_read8(UInt(own) + 0x101))
            signedByte = UInt32(bitPattern: g_mmio_read8_signed(UInt(own) + 0x101))
            half = UInt32(truncatingIfNeeded: g_mmio_read16(UInt(own) + 0x102))
        }
        let expectedSigned = UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: word >> 8)))
        out.write("WINDOW config=")
        out.write(hex: word)
        out.write(" byte1=")
        out.write(hex: byte)
        out.write(" sbyte1=")
        out.write(hex: signedByte)
        out.write(" half1=")
        out.write(hex: half)
        out.newline()
        check("hostile-own-window-narrow",
              narrowFault == nil && byte == (word >> 8) & 0xFF && signedByte == expectedSigned && half == word >> 16)
    }
    if let foreign {
        attempts.record("hostile-foreign-window-read", refused: readFaults(foreign))
        attempts.record("hostile-foreign-window-write", refused: writeFaults(foreign &+ 0x70, value: 0))
    }
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

/// The markers stored into this VM's own memory: the hypervisor's audit must
/// find all of them (a control that the audit sees stores at all).
nonisolated(unsafe) var auditControl: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0)
let auditControlWords = 8

/// Every 4 KiB page from the end of its RAM up to `end`: the guest-physical
/// range other VMs use and the addresses equal to other VMs' (and its own)
/// physical placement. A load and a store of `IsolationProbe.marker` at each
/// must fault. The attacker's view alone cannot prove isolation (a wrong
/// stage 2 could send a store somewhere that does not fault), so the markers
/// are what the hypervisor counts in every VM's memory at power-off
/// (`isolation marker words`, checked by the tests from outside this VM).
func sweep(_ attempts: inout Attempts, from start: UInt32, to end: UInt32) {
    withUnsafeMutableBytes(of: &auditControl) { words in
        for index in 0..<auditControlWords {
            g_mmio_write32(UInt(bitPattern: words.baseAddress!) + UInt(index * 4), IsolationProbe.marker)
        }
    }
    var pages: UInt32 = 0, readsThrough: UInt32 = 0, writesThrough: UInt32 = 0
    var page = start
    while page < end {
        if !readFaults(page) { readsThrough += 1 }
        if !writeFaults(page, value: IsolationProbe.marker) { writesThrough += 1 }
        pages += 1
        page &+= 0x1000
    }
    var out = GuestConsole()
    out.write("SWEEP from=")
    out.write(hex: start)
    out.write(" to=")
    out.write(hex: end)
    out.write(" pages=")
    out.write(decimal: pages)
    out.write(" reads_through=")
    out.write(decimal: readsThrough)
    out.write(" writes_through=")
    out.write(decimal: writesThrough)
    out.write(" control_words=")
    out.write(decimal: UInt32(auditControlWords))
    out.newline()
    attempts.record("hostile-sweep-read", refused: pages > 0 && readsThrough == 0)
    attempts.record("hostile-sweep-write", refused: pages > 0 && writesThrough == 0)
}
