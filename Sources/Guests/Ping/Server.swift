import GuestRuntime
import GuestSupport
import HypervisorCore

/// The server: grants a read-write page (ref 0) and a read-only page (ref 1)
/// to the peer, offers it an unbound port, answers each request in the page
/// with request + 1 and an event, and once the peer has unmapped both pages
/// revokes them and shuts down.
struct Server {
    let arguments: PingArguments
    let memoryEnd: UInt32

    func run() -> Never {
        let registered = registerSharedInfo()
        guard registered == 0 else { fail("shared_info registration", registered, check: "events-allocated") }
        // Grants first, so that they exist once the client's bind succeeds.
        let page = offerGrants()
        let port = offerPort()
        attach(port: port)

        var notifications = Notifications()
        let served = serve(port: port, page: page, notifications: &notifications)
        notifications.report()
        var out = GuestConsole()
        out.write("SERVED requests=")
        out.write(decimal: served.requests)
        out.write(" events=")
        out.write(decimal: PortEvents.count)
        out.write(" upcalls=")
        out.write(decimal: EventChannels.upcalls)
        out.newline()
        check("grant-flags-while-mapped", served.flagsWhileMapped)
        check("served", served.requests == arguments.rounds)

        check("grant-revoked", awaitRelease() && GrantTable.endAccess(reference: PingGrants.readWrite)
              && GrantTable.endAccess(reference: PingGrants.readOnly))
        Hypervisor.shutdown(.powerOff)
    }

    /// Writes the markers and grants both pages; returns the read-write one.
    private func offerGrants() -> UInt32 {
        let located = GrantTable.locate()
        let expectedFrame = UInt64(widening: (memoryEnd &- 0x2000) &>> 12)  // RAM end - 8 KiB
        check("grant-table-located", located.result == 0 && located.status == 0 && located.frame == expectedFrame)
        let readWrite = grantedPages()
        let readOnly = readWrite &+ 0x1000
        PingPage.write(readWrite, PingPage.marker, PingPage.readWriteMarker)
        PingPage.write(readOnly, PingPage.marker, PingPage.readOnlyMarker)
        let offered = grant(reference: PingGrants.readWrite, page: readWrite, readOnly: false)
            && grant(reference: PingGrants.readOnly, page: readOnly, readOnly: true)
        check("grant-offered", offered)
        return readWrite
    }

    private func grant(reference: UInt32, page: UInt32, readOnly: Bool) -> Bool {
        let granted = GrantTable.grantAccess(reference: reference, to: arguments.peer, frame: page &>> 12,
                                             readOnly: readOnly)
        var out = GuestConsole()
        out.write("GRANT ref=")
        out.write(decimal: reference)
        out.write(" frame=")
        out.write(hex: page &>> 12)
        out.write(readOnly ? " access=ro" : " access=rw")
        out.newline()
        return granted
    }

    /// alloc_unbound for the peer: `PORT port=<p> remote=<peer>`.
    private func offerPort() -> UInt32 {
        let allocated = EventChannels.allocateUnbound(remote: arguments.peer)
        guard allocated > 0 else { fail("alloc_unbound", allocated, check: "events-allocated") }
        let port = UInt32(bitPattern: allocated)
        var out = GuestConsole()
        out.write("PORT port=")
        out.write(decimal: port)
        out.write(" remote=")
        out.write(decimal: UInt32(arguments.peer))
        out.newline()
        let status = EventChannels.status(port)
        check("events-allocated", (arguments.port ?? port) == port && status.result == 0
              && status.code == EventChannelStatusCode.unbound.rawValue && status.domain == arguments.peer)
        return port
    }

    /// Takes events only once the peer has bound, as a server that learns of
    /// its peer late would: the client's first request and its event may be
    /// there already, raised while PPI 31 was still disabled here.
    /// `ATTACHED pending_before=<0|1> events=<handled by the attach>`.
    private func attach(port: UInt32) {
        check("events-peer-bound", waitForPeer(port: port))
        let early = EventChannels.isPending(port)
        EventChannels.setHandler(port: port, portEvent)
        Watchdog.attach()
        EventChannels.attachUpcall()
        GIC.enable()
        var out = GuestConsole()
        out.write("ATTACHED pending_before=")
        out.write(decimal: early ? UInt32(1) : 0)
        out.write(" events=")
        out.write(decimal: PortEvents.count)
        out.newline()
    }

    /// Polls EVTCHNOP_status until the peer has bound `port` (Xen guests
    /// learn that from xenstore; Apus has none), letting it run meanwhile.
    private func waitForPeer(port: UInt32) -> Bool {
        let deadline = GuestClock.now + .milliseconds(1_000)
        while GuestClock.now < deadline {
            let status = EventChannels.status(port)
            if status.result == 0, status.code == EventChannelStatusCode.interdomain.rawValue {
                return status.domain == arguments.peer
            }
            Hypervisor.yield()
        }
        return false
    }

    /// Answers requests until `rounds` are served or the peer goes quiet. A
    /// request is a new sequence number in the page, not an event: events
    /// coalesce, and one may come with nothing new (Xen's rules).
    private func serve(port: UInt32, page: UInt32, notifications: inout Notifications) -> (requests: UInt32, flagsWhileMapped: Bool) {
        var requests: UInt32 = 0
        var last: UInt32 = 0
        var flagsWhileMapped = false
        Watchdog.start(.milliseconds(2_000))
        defer { Watchdog.stop() }
        while requests < arguments.rounds {
            PortEvents.handledAt = nil
            PingPage.write(page, PingPage.waiting, last)
            guard wait(until: { PingPage.read(page, PingPage.request) != last }) else { break }
            let sequence = PingPage.read(page, PingPage.request)
            // Send (client) to handler (here): only when this request's event woke the handler.
            if let handled = PortEvents.handledAt { notifications.record(ticks: handled &- PingPage.read(page, PingPage.sentAt)) }
            PingPage.write(page, PingPage.reply, sequence &+ 1)
            g_dsb()  // the reply is in memory before the peer hears of it
            guard EventChannels.send(port) == 0 else { break }
            if requests == 0 {
                // The client has the page mapped read-write by now.
                let both = GrantEntryFlags.reading | GrantEntryFlags.writing
                flagsWhileMapped = GrantTable.flags(reference: PingGrants.readWrite) & both == both
            }
            last = sequence
            requests &+= 1
        }
        return (requests, flagsWhileMapped)
    }

    /// Waits until neither grant is mapped (GTF_reading / GTF_writing clear);
    /// the client sends one more event after unmapping.
    private func awaitRelease() -> Bool {
        let busy = GrantEntryFlags.reading | GrantEntryFlags.writing
        Watchdog.start(.milliseconds(1_000))
        defer { Watchdog.stop() }
        return wait {
            GrantTable.flags(reference: PingGrants.readWrite) & busy == 0 && GrantTable.flags(reference: PingGrants.readOnly) & busy == 0
        }
    }
}
