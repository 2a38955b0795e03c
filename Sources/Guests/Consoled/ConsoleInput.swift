import GuestRuntime
import GuestSupport
import HypervisorCore

/// Console input (docs/CONSOLE.md): bytes typed on UART0 go to one frontend
/// at a time, the input focus, into the `in` stream of its console ring.
/// Ctrl-] followed by a domain id (0-7) moves the focus; Ctrl-] twice sends
/// one Ctrl-]. A byte the focused ring has no room for stays in the UART,
/// which holds further input back, until the frontend has read: input is
/// late, never dropped, while its frontend runs. Input for a frontend that
/// has stopped is discarded and counted.
enum ConsoleInput {
    static let escape: UInt8 = 0x1D  // Ctrl-]

    /// Index into `Consoles.table` of the console that gets input.
    nonisolated(unsafe) static var focus = 0
    nonisolated(unsafe) static var escaped = false
    /// A byte read from the UART that the focused ring had no room for.
    nonisolated(unsafe) static var held: UInt8? = nil
    nonisolated(unsafe) static var delivered: UInt32 = 0
    nonisolated(unsafe) static var discarded: UInt32 = 0

    /// Routes the UART's interrupt (received bytes) and says where input goes.
    static func attach(focusing domain: UInt16?) {
        GIC.attach(UART.interrupt, receiveInterrupt)
        UART.enableReceiving()
        for index in 0..<Consoles.count where Consoles.table[index]?.entry.domain == domain { focus = index }
        if Consoles.count > 0 { announceFocus() }
    }

    /// Moves every received byte to its frontend (called from the main loop).
    static func route() {
        var notify: UInt32 = 0  // bit i: console i got bytes
        while let byte = held ?? UART.receive() {
            held = nil
            if escaped {
                escaped = false
                if byte != escape {
                    select(byte)
                    continue
                }
            } else if byte == escape {
                escaped = true
                continue
            }
            guard focus < Consoles.count else {
                discarded &+= 1
                continue
            }
            switch Consoles.table[focus]?.deliver(byte) ?? .closed {
            case .delivered:
                delivered &+= 1
                notify |= 1 << UInt32(truncatingIfNeeded: focus)
            case .full:
                held = byte
            case .closed:
                discarded &+= 1
            }
            if held != nil { break }
        }
        for index in 0..<Consoles.count where notify & (1 << UInt32(truncatingIfNeeded: index)) != 0 {
            if let port = Consoles.table[index]?.port { _ = EventChannels.send(port) }
        }
        // With a byte held the interrupt stays masked: the tick retries.
        if held == nil { UART.unmaskReceiving() }
    }

    /// The byte after Ctrl-]: a domain id's digit moves the focus there.
    private static func select(_ byte: UInt8) {
        var out = GuestConsole()
        guard byte >= 0x30, byte <= 0x37 else {
            out.write("INPUT: type Ctrl-] and a domain id (0-7) to choose a console; Ctrl-] twice sends Ctrl-]")
            out.newline()
            return
        }
        let domain = UInt16(byte &- 0x30)
        for index in 0..<Consoles.count where Consoles.table[index]?.entry.domain == domain {
            guard Consoles.table[index]?.state == .serving else { break }
            focus = index
            announceFocus()
            return
        }
        out.write("INPUT: dom=")
        out.write(decimal: UInt32(domain))
        out.write(" has no console served here")
        out.newline()
    }

    /// `INPUT -> <name> dom=<d>`.
    private static func announceFocus() {
        guard let entry = Consoles.table[focus]?.entry else { return }
        var out = GuestConsole()
        out.write("INPUT -> ")
        for byte in entry.name { out.write(byte: byte) }
        out.write(" dom=")
        out.write(decimal: UInt32(entry.domain))
        out.newline()
    }
}

/// The UART's interrupt: masks the level-triggered receive interrupt; the main loop,
/// woken by it, reads the FIFO.
func receiveInterrupt(_ intid: UInt32) { UART.maskReceiving() }
