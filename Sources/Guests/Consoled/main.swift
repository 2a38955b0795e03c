import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore

/// The console backend (docs/CONSOLE.md, docs/GUESTS.md): owns UART0 and
/// writes every frontend's console ring to it, line by line, each line
/// prefixed with the frontend's name. Its own reports go through console_io.
@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    let arguments: ConsoledArguments
    do throws(GuestArgumentError) {
        arguments = try ConsoledArguments(BootArguments(guestPointer: bootargs))
    } catch {
        out.write("ERROR ")
        error.describe(to: &out)
        out.newline()
        check("consoled-bootargs", false)
        Hypervisor.shutdown(.crash)
    }
    UART.consoleBase = UInt(arguments.uart)
    UART.interrupt = arguments.uartInterrupt
    let registered = registerSharedInfo()
    guard registered == 0 else {
        out.write("ERROR shared_info registration returned ")
        out.write(signed: Int64(widening: Int(registered)))
        out.newline()
        check("consoled-served", false)
        Hypervisor.shutdown(.crash)
    }
    for index in 0..<arguments.count { Consoles.attach(arguments.entries[index]) }
    // The bootargs sit in the last page of RAM: its end is the first address not ours.
    BlockBackend.attach(arguments, memoryEnd: UInt64(widening: UInt32(UInt(bitPattern: bootargs)) | 0xFFF) + 1)
    XenstoreService.attach(own: UInt16(truncatingIfNeeded: vm), domains: arguments)

    Service.attachTimer()
    ConsoleInput.attach(focusing: arguments.focus)
    EventChannels.attachUpcall()
    GIC.enable()
    let finished = Service.run(tick: arguments.poll, timeout: arguments.timeout)
    if !finished { reportTimeout(arguments.timeout ?? .zero) }
    Consoles.retireAll()

    out.write("EVENTS events=")
    out.write(decimal: Consoles.events)
    out.write(" upcalls=")
    out.write(decimal: EventChannels.upcalls)
    out.write(" wakeups=")
    out.write(decimal: Service.wakeUps)
    out.newline()
    XenstoreService.report()
    BlockBackend.report()
    BlkifNegotiation.reportWaiting()
    out.write("CONSOLED lines=")
    out.write(decimal: Consoles.lines)
    out.write(" consoles=")
    out.write(decimal: UInt32(truncatingIfNeeded: Consoles.count))
    out.write(" input=")
    out.write(decimal: ConsoleInput.delivered)
    out.write(" discarded=")
    out.write(decimal: ConsoleInput.discarded)
    out.newline()
    check("consoled-served", Consoles.lines > 0)
    Hypervisor.shutdown(.powerOff)
}

/// `TIMEOUT after=<ms> serving=<consoles still bound>`.
func reportTimeout(_ span: TimeSpan) {
    var out = GuestConsole()
    out.write("TIMEOUT after=")
    out.write(decimal: span.nanoseconds / 1_000_000)
    out.write(" serving=")
    out.write(decimal: UInt32(truncatingIfNeeded: Consoles.serving))
    out.newline()
}
