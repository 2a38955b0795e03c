import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import XenRings
import Xenstore

/// `attack=xenstore` (docs/GUESTS.md, "Hostile guest"): attacks the driver
/// domain's xenstore through this VM's own ring. Writes and reads in other
/// domains' places (the victim's front end, the back end's entries, new
/// domains, the root), values and paths longer than the store takes, a
/// flood of nodes, watches and transactions (the transactions left open),
/// malformed messages, and last either a header announcing more than
/// XENSTORE_PAYLOAD_MAX (`end=oversize`) or a request ring whose indices
/// cannot be (`end=ring-index`): the driver domain must drop the connection.
/// Each refusal must be xenstored's error reply: `XS <name> reply=<answer>`
/// per attempt, `XSTORE requests=<n> errors=<n> events=<n>` (the driver
/// domain counts the same on its side).
struct XenstoreAttack {
    var client: XenstoreClient
    /// Domains: this one, the one it attacks (Linux) and the store's server.
    let own: UInt32
    let victim: UInt32
    var server: UInt32 = 0
    /// Requests sent and XS_ERROR replies received (the driver domain reports its own counts).
    var requests: UInt32 = 0
    var errors: UInt32 = 0

    /// The virtual device the toolstack publishes for each disk (xvda).
    static let virtualDevice: UInt32 = 51712

    mutating func run(_ attempts: inout Attempts, end: HostileGuestArguments.XenstoreEnding) {
        controls(&attempts)
        otherDomains(&attempts)
        oversize(&attempts)
        floods(&attempts)
        malformed(&attempts)
        summarize()
        switch end {
        case .oversizedHeader: dropWithOversizedHeader(&attempts)
        case .ringIndex: dropWithRingIndex(&attempts)
        }
    }

    // MARK: Controls: its own subtree works, so refusals below are answers to the attacks.

    private mutating func controls(_ attempts: inout Attempts) {
        let wrote = ask(.write) { w in w.append("data/probe\0"); w.append("1") }
        check("xs-control-write-own", wrote == .reply(type: XenstoreMessageType.write.rawValue))
        let read = ask(.read) { w in w.append("data/probe\0") }
        check("xs-control-read-own", read == .reply(type: XenstoreMessageType.read.rawValue)
            && client.replyPayload.equals(Bytes("1")))
        // Its own front end directory is its own: the back end's domain is there.
        let backendID = ask(.read) { w in
            w.append("device/vbd/")
            w.appendDecimal(Self.virtualDevice)
            w.append("/backend-id\0")
        }
        if backendID == .reply(type: XenstoreMessageType.read.rawValue), let id = client.replyPayload.decimalValue {
            server = id
        }
        check("xs-control-backend-id", backendID == .reply(type: XenstoreMessageType.read.rawValue))
    }

    // MARK: Other domains' paths

    private mutating func otherDomains(_ attempts: inout Attempts) {
        let victim = victim, server = server, own = own
        expect(&attempts, "xs-write-victim-frontend-state", "EACCES", .write) { w in
            Self.frontend(of: victim, &w); w.append("/state\0"); w.append("6")
        }
        expect(&attempts, "xs-read-victim-ring-ref", "EACCES", .read) { w in
            Self.frontend(of: victim, &w); w.append("/ring-ref\0")
        }
        expect(&attempts, "xs-list-victim-home", "EACCES", .directory) { w in
            Self.home(of: victim, &w); w.append(0)
        }
        expect(&attempts, "xs-rm-victim-home", "EACCES", .rm) { w in Self.home(of: victim, &w); w.append(0) }
        expect(&attempts, "xs-setperms-victim-device", "EACCES", .setPermissions) { w in
            Self.home(of: victim, &w); w.append("/device\0b"); w.appendDecimal(own); w.append(0)
        }
        expect(&attempts, "xs-write-backend-state", "EACCES", .write) { w in
            Self.backend(of: server, for: victim, &w); w.append("/state\0"); w.append("5")
        }
        // The back end's entries for its own disk are readable to it, not writable.
        expect(&attempts, "xs-write-own-backend-sectors", "EACCES", .write) { w in
            Self.backend(of: server, for: own, &w); w.append("/sectors\0"); w.append("4294967295")
        }
        expect(&attempts, "xs-mkdir-new-domain", "EACCES", .mkdir) { w in w.append("/local/domain/99\0") }
        expect(&attempts, "xs-write-root", "EACCES", .write) { w in w.append("/apus\0"); w.append("x") }
        expect(&attempts, "xs-give-own-node-away", "EPERM", .setPermissions) { w in
            w.append("data/probe\0n"); w.appendDecimal(victim); w.append(0)
        }
        expect(&attempts, "xs-unknown-transaction", "ENOENT", .read, transaction: 12345) { w in
            w.append("data/probe\0")
        }
    }

    // MARK: Values and paths longer than the store takes

    private mutating func oversize(_ attempts: inout Attempts) {
        expect(&attempts, "xs-value-200-bytes", "ENOSPC", .write) { w in
            w.append("data/big\0"); for _ in 0..<200 { w.append(0x76) }
        }
        expect(&attempts, "xs-value-4000-bytes", "ENOSPC", .write) { w in
            w.append("data/big\0"); for _ in 0..<4000 { w.append(0x76) }
        }
        expect(&attempts, "xs-path-200-bytes", "E2BIG", .read) { w in
            w.append("data/"); for _ in 0..<200 { w.append(0x61) }; w.append(0)
        }
        expect(&attempts, "xs-relative-path-over-2048", "EINVAL", .write) { w in
            w.append("data/"); for _ in 0..<2100 { w.append(0x61) }; w.append("\0x")
        }
        expect(&attempts, "xs-absolute-path-over-3072", "EINVAL", .read) { w in
            for _ in 0..<1750 { w.append("/a") }; w.append(0)
        }
        expect(&attempts, "xs-watch-token-100-bytes", "E2BIG", .watch) { w in
            w.append("data/probe\0"); for _ in 0..<100 { w.append(0x74) }; w.append(0)
        }
    }

    // MARK: Floods: nodes, watches, transactions (left open)

    private mutating func floods(_ attempts: inout Attempts) {
        // Nodes until the quota says no.
        var created: UInt32 = 0
        var last = XenstoreAnswer.timedOut
        while created < 300 {
            let index = created
            last = ask(.write) { w in w.append("data/n"); w.appendDecimal(index); w.append("\0x") }
            guard last == .reply(type: XenstoreMessageType.write.rawValue) else { break }
            created += 1
        }
        record(&attempts, "xs-node-flood", last, "ENOSPC", detail: created)
        // Watches until the quota says no; each fires once at once.
        var watches: UInt32 = 0
        while watches < 100 {
            let index = watches
            last = ask(.watch) { w in w.append("data/n"); w.appendDecimal(index); w.append("\0t"); w.appendDecimal(index); w.append(0) }
            guard last == .reply(type: XenstoreMessageType.watch.rawValue) else { break }
            watches += 1
        }
        record(&attempts, "xs-watch-flood", last, "E2BIG", detail: watches)
        // Writes under its own watches: events it reads and throws away.
        for round in 0..<UInt32(64) {
            _ = ask(.write) { w in w.append("data/n"); w.appendDecimal(round % 8); w.append("\0y") }
        }
        // Transactions until the quota says no; the open ones are never ended.
        var open = InlineArray<4, UInt32>(repeating: 0)
        var started = 0
        while started < 4 {
            last = ask(.transactionStart) { w in w.append(0) }
            guard last == .reply(type: XenstoreMessageType.transactionStart.rawValue),
                  let id = Bytes(client.replyPayload.start, count: max(client.replyPayload.count - 1, 0)).decimalValue
            else { break }
            open[started] = id
            started += 1
        }
        record(&attempts, "xs-transaction-flood", last, "ENOSPC", detail: UInt32(started))
        if started > 0 {
            let transaction = open[0]
            expect(&attempts, "xs-transaction-inside-transaction", "EBUSY", .transactionStart,
                   transaction: transaction) { w in w.append(0) }
            expect(&attempts, "xs-transaction-end-neither-T-nor-F", "EINVAL", .transactionEnd,
                   transaction: transaction) { w in w.append("X\0") }
        }
    }

    // MARK: Malformed messages

    private mutating func malformed(_ attempts: inout Attempts) {
        expect(&attempts, "xs-type-99", "ENOSYS", XenstoreMessageType(rawValue: 99)) { w in w.append("x\0") }
        expect(&attempts, "xs-type-introduce", "ENOSYS", .introduce) { w in w.append("x\0") }
        expect(&attempts, "xs-type-0xffffffff", "ENOSYS", XenstoreMessageType(rawValue: 0xFFFF_FFFF)) { w in
            w.append(0)
        }
        expect(&attempts, "xs-read-path-without-nul", "EINVAL", .read) { w in w.append("data/probe") }
        expect(&attempts, "xs-read-empty-payload", "EINVAL", .read) { _ in }
        expect(&attempts, "xs-read-two-strings", "EINVAL", .read) { w in w.append("data/probe\0data\0") }
        expect(&attempts, "xs-write-path-without-nul", "EINVAL", .write) { w in w.append("data/probe") }
        expect(&attempts, "xs-watch-without-token", "EINVAL", .watch) { w in w.append("data/probe\0") }
        expect(&attempts, "xs-path-with-space", "EINVAL", .read) { w in w.append("data/a b\0") }
        expect(&attempts, "xs-path-trailing-slash", "EINVAL", .read) { w in w.append("data/\0") }
        expect(&attempts, "xs-path-double-slash", "EINVAL", .write) { w in w.append("data//x\0y") }
        expect(&attempts, "xs-domain-path-not-a-number", "EINVAL", .getDomainPath) { w in w.append("abc\0") }
        expect(&attempts, "xs-permission-letter-z", "EINVAL", .setPermissions) { w in w.append("data/probe\0z5\0") }
        expect(&attempts, "xs-transaction-end-outside", "ENOENT", .transactionEnd) { w in w.append("T\0") }
    }

    private func summarize() {
        var out = GuestConsole()
        out.write("XSTORE requests=")
        out.write(decimal: requests)
        out.write(" errors=")
        out.write(decimal: errors)
        out.write(" events=")
        out.write(decimal: client.events)
        out.newline()
    }

    // MARK: The endings: the driver domain drops the connection

    /// A header announcing 5000 payload bytes: XENSTORE_ERROR_PROTO (3).
    private mutating func dropWithOversizedHeader(_ attempts: inout Attempts) {
        let answer = client.send(.write, transaction: 0, claimedLength: 5000, bytes: 0)
        afterDrop(&attempts, "xs-oversize-header-dropped", answer, expected: 3)
    }

    /// req_prod 3000 bytes ahead of what the server consumed: XENSTORE_ERROR_RINGIDX (2).
    private mutating func dropWithRingIndex(_ attempts: inout Attempts) {
        let stream = XenstoreRingLayout.requests
        let bogus = client.memory.load32(stream.consumerOffset) &+ 3000
        g_dsb()
        client.memory.store32(bogus, stream.producerOffset)
        g_dsb()
        _ = EventChannels.send(client.port)
        let until = GuestClock.now + .milliseconds(100)
        while GuestClock.now < until, client.errorField == 0 { CPUWork.spin(iterations: 2_000) }
        let answer: XenstoreAnswer = client.errorField != 0 ? .dropped(reason: client.errorField) : .timedOut
        afterDrop(&attempts, "xs-ring-index-dropped", answer, expected: 2)
    }

    /// The page's error field says why; nothing is answered afterwards.
    private mutating func afterDrop(_ attempts: inout Attempts, _ name: StaticString, _ answer: XenstoreAnswer,
                                    expected: UInt32) {
        var out = GuestConsole()
        out.write("XS ")
        out.write(name)
        out.write(" error-field=")
        out.write(decimal: client.errorField)
        out.newline()
        attempts.record(name, refused: answer == .dropped(reason: expected) && client.errorField == expected)
    }

    // MARK: Asking

    private mutating func ask(_ type: XenstoreMessageType, transaction: UInt32 = 0,
                              _ build: (inout ByteWriter) -> Void) -> XenstoreAnswer {
        requests &+= 1
        let answer = client.ask(type, transaction: transaction, build)
        if answer == .reply(type: XenstoreMessageType.error.rawValue) { errors &+= 1 }
        return answer
    }

    /// Sends one request and records it as refused iff the reply is XS_ERROR `expected`.
    private mutating func expect(_ attempts: inout Attempts, _ name: StaticString, _ expected: StaticString,
                                 _ type: XenstoreMessageType, transaction: UInt32 = 0,
                                 _ build: (inout ByteWriter) -> Void) {
        let answer = ask(type, transaction: transaction, build)
        record(&attempts, name, answer, expected, detail: nil)
    }

    /// `XS <name> reply=<error name|type n|timeout|dropped n>[ count=<n>]`.
    private mutating func record(_ attempts: inout Attempts, _ name: StaticString, _ answer: XenstoreAnswer,
                                 _ expected: StaticString, detail: UInt32?) {
        var out = GuestConsole()
        out.write("XS ")
        out.write(name)
        out.write(" reply=")
        var refused = false
        switch answer {
        case .reply(let type) where type == XenstoreMessageType.error.rawValue:
            let payload = client.replyPayload
            let terminated = payload.count > 0 && payload[payload.count - 1] == 0
            let name = terminated ? payload.prefix(payload.count - 1) : payload
            for index in 0..<min(name.count, 16) { out.write(byte: name[index]) }
            refused = terminated && name.equals(Bytes(expected))
        case .reply(let type):
            out.write("type-")
            out.write(decimal: type)
        case .timedOut:
            out.write("timeout")
        case .dropped(let reason):
            out.write("dropped-")
            out.write(decimal: reason)
        }
        if let detail {
            out.write(" count=")
            out.write(decimal: detail)
        }
        out.newline()
        attempts.record(name, refused: refused)
    }

    // MARK: Paths

    private static func home(of domain: UInt32, _ w: inout ByteWriter) {
        w.append("/local/domain/")
        w.appendDecimal(domain)
    }

    private static func frontend(of domain: UInt32, _ w: inout ByteWriter) {
        home(of: domain, &w)
        w.append("/device/vbd/")
        w.appendDecimal(virtualDevice)
    }

    private static func backend(of server: UInt32, for front: UInt32, _ w: inout ByteWriter) {
        home(of: server, &w)
        w.append("/backend/vbd/")
        w.appendDecimal(front)
        w.append("/")
        w.appendDecimal(virtualDevice)
    }
}

/// `attack=xenstore`: the attacks above on this VM's own xenstore ring, then
/// `HOSTILE attempts=<n> not_refused=<m>` and CHECK hostile-xenstore.
func attackXenstore(_ attempts: inout Attempts, own: UInt32, victim: UInt32,
                    end: HostileGuestArguments.XenstoreEnding) {
    guard withUnsafeMutableBytes(of: &sharedInfoStorage, { EventWaiting.start(sharedInfo: $0) }),
          let client = XenstoreClient.open()
    else {
        attempts.record("hostile-xenstore-setup", refused: false)
        attempts.summarize(check: "hostile-xenstore")
        return
    }
    var attack = XenstoreAttack(client: client, own: own, victim: victim)
    attack.run(&attempts, end: end)
    attempts.summarize(check: "hostile-xenstore")
}
