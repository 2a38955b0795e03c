import GuestRuntime
import GuestSupport
import HypervisorCore

/// The client: binds to the server's port, maps its grants, checks that the
/// read-only one cannot be mapped writable, ping-pongs `rounds` requests
/// through the shared page timing each round trip, then unmaps, tells the
/// server and closes its port.
struct Client {
    let arguments: PingArguments

    func run() -> Never {
        let registered = registerSharedInfo()
        guard registered == 0 else { fail("shared_info registration", registered, check: "events-bound") }
        Watchdog.attach()
        GIC.enable()

        let serverPort = arguments.port ?? PingArguments.firstFreePort
        let bound = bind(serverPort: serverPort)
        guard bound > 0 else { fail("bind_interdomain", bound, check: "events-bound") }
        let port = UInt32(bitPattern: bound)
        EventChannels.setHandler(port: port, portEvent)
        EventChannels.attachUpcall()  // takes the event Xen raises on a new binding
        let status = EventChannels.status(port)
        var out = GuestConsole()
        out.write("BOUND port=")
        out.write(decimal: port)
        out.write(" remote_port=")
        out.write(decimal: serverPort)
        out.newline()
        check("events-bound", status.result == 0 && status.code == EventChannelStatusCode.interdomain.rawValue
              && status.domain == arguments.peer && status.remotePort == serverPort)

        let mapping = GrantTable.map(reference: PingGrants.readWrite, of: arguments.peer, at: GrantWindowPages.readWrite, readOnly: false)
        report("MAP ref=8 access=rw", mapping)
        let mapped = mapping.succeeded
            && PingPage.read(GrantWindowPages.readWrite, PingPage.marker) == PingPage.readWriteMarker
        check("grant-mapped", mapped)

        checkReadOnlyGrant()

        var trips = RoundTrips()
        let pingpong = mapped && pingPong(port: port, trips: &trips)
        trips.report()
        out.write("EVENTS events=")
        out.write(decimal: PortEvents.count)
        out.write(" upcalls=")
        out.write(decimal: EventChannels.upcalls)
        out.write(" unhandled=")
        out.write(decimal: EventChannels.unhandled)
        out.newline()
        check("pingpong", pingpong && trips.count == arguments.rounds)

        var unmapped = false
        if mapped {
            let result = GrantTable.unmap(handle: mapping.handle, at: GrantWindowPages.readWrite)
            unmapped = result.result == 0 && result.status == 0
                && Faults.expect { _ = PingPage.read(GrantWindowPages.readWrite, PingPage.marker) } != nil
        }
        check("grant-unmapped", unmapped)
        // The server waits for both grants to be released; wake it.
        let sent = EventChannels.send(port)
        check("events-closed", sent == 0 && EventChannels.close(port) == 0
              && EventChannels.status(port).code == EventChannelStatusCode.closed.rawValue)
        Hypervisor.shutdown(.powerOff)
    }

    /// bind_interdomain, retried while the server has not yet registered
    /// (-ESRCH) or not yet offered its port (-EINVAL): the VMs start together.
    private func bind(serverPort: UInt32) -> Int32 {
        let deadline = GuestClock.now + .milliseconds(1_000)
        while true {
            let result = EventChannels.bindInterdomain(remote: arguments.peer, remotePort: serverPort)
            let retry = result == -XenError.noSuchDomain.rawValue || result == -XenError.invalid.rawValue
            if !retry || GuestClock.now >= deadline { return result }
            Hypervisor.yield()
        }
    }

    /// The second grant is read-only: a writable map must fail with a GNTST error, a
    /// read-only one must work, and a store through it must fault.
    private func checkReadOnlyGrant() {
        let writable = GrantTable.map(reference: PingGrants.readOnly, of: arguments.peer, at: GrantWindowPages.readOnly, readOnly: false)
        report("MAP ref=9 access=rw", writable)
        let refused = writable.result == 0 && writable.status < 0
        if writable.succeeded { _ = GrantTable.unmap(handle: writable.handle, at: GrantWindowPages.readOnly) }

        let readable = GrantTable.map(reference: PingGrants.readOnly, of: arguments.peer, at: GrantWindowPages.readOnly, readOnly: true)
        report("MAP ref=9 access=ro", readable)
        let readWorks = readable.succeeded
            && PingPage.read(GrantWindowPages.readOnly, PingPage.marker) == PingPage.readOnlyMarker
        check("grant-readonly-refused", refused && readWorks)
        guard readable.succeeded else {
            check("grant-readonly-write-faults", false)
            return
        }
        let writeFaults = Faults.expect { PingPage.write(GrantWindowPages.readOnly, PingPage.marker, 0) } != nil
        check("grant-readonly-write-faults",
              writeFaults && PingPage.read(GrantWindowPages.readOnly, PingPage.marker) == PingPage.readOnlyMarker)
        let unmapped = GrantTable.unmap(handle: readable.handle, at: GrantWindowPages.readOnly)
        if unmapped.result != 0 || unmapped.status != 0 { check("grant-readonly-unmapped", false) }
    }

    /// `rounds` requests: write the sequence number, send, sleep until the
    /// reply changes, and require it to be sequence + 1. Events that carry no
    /// new reply (the one Xen raises on binding) only wake us up. The first
    /// request goes at once (it reaches a server that has not attached yet);
    /// each later one waits, yielding, until the server has said it sleeps for
    /// it, so its event wakes a blocked server (the one-way figure's case).
    private func pingPong(port: UInt32, trips: inout RoundTrips) -> Bool {
        let page = GrantWindowPages.readWrite
        var previous = PingPage.read(page, PingPage.reply)
        Watchdog.start(.milliseconds(2_000))
        defer { Watchdog.stop() }
        var sequence: UInt32 = 1
        while sequence <= arguments.rounds {
            if sequence > 1 {
                guard awaitServerWaiting(after: sequence &- 1, page: page) else { return false }
            }
            let start = VirtualTimer.now
            PingPage.write(page, PingPage.request, sequence)
            PingPage.write(page, PingPage.sentAt, UInt32(truncatingIfNeeded: VirtualTimer.now))
            g_dsb()  // the request is in memory before the server hears of it
            guard EventChannels.send(port) == 0 else { return false }
            let answered = wait(until: { PingPage.read(page, PingPage.reply) != previous })
            let end = VirtualTimer.now
            previous = PingPage.read(page, PingPage.reply)
            guard answered, previous == sequence &+ 1 else { return false }
            trips.record(ticks: end &- start)
            sequence &+= 1
        }
        return true
    }

    /// Yields until the server has written `served` as the request it waits
    /// beyond; false once the watchdog expired first.
    private func awaitServerWaiting(after served: UInt32, page: UInt32) -> Bool {
        while PingPage.read(page, PingPage.waiting) != served {
            if Watchdog.expired { return false }
            Hypervisor.yield()
        }
        return true
    }

    private func report(_ what: StaticString, _ mapping: GrantTable.Mapping) {
        var out = GuestConsole()
        out.write(what)
        out.write(" result=")
        out.write(signed: Int64(widening: Int(mapping.result)))
        out.write(" status=")
        out.write(signed: Int64(widening: Int(mapping.status)))
        out.write(" handle=")
        out.write(decimal: mapping.handle)
        out.newline()
    }
}
