import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import Xenstore

/// The block back end's half of Xen's xenbus handshake (docs/BLOCK.md), for
/// every disk the toolstack published: it watches the front end's `state`,
/// and when the front end has written `ring-ref` and `event-channel`
/// (Initialised) it maps that ring, binds to that port, serves it and says
/// Connected; when the front end closes it lets go of both and waits for a
/// new connection (InitWait). Apus's own front ends (BlockFrontend) and
/// Linux's xen-blkfront connect the same way. The decisions are the pure
/// BlkifBackendHandshake's (host-tested); this carries them out.
enum BlkifNegotiation {
    /// Grant-window pages 8 + domid hold the blkif rings front ends grant
    /// (0: console rings, 16: xenstore rings).
    static let firstWindowPage: UInt32 = 8
    static let windowBase: UInt32 = 0x3000_0000

    nonisolated(unsafe) static var handshakes = InlineArray<7, BlkifBackendHandshake>(repeating: BlkifBackendHandshake())
    nonisolated(unsafe) static var mapHandle = InlineArray<7, UInt32>(repeating: 0)
    nonisolated(unsafe) static var boundPort = InlineArray<7, UInt32>(repeating: 0)
    nonisolated(unsafe) static var connections: UInt32 = 0

    /// After the toolstack's entries: a watch on each front end's state, and InitWait.
    static func start() {
        guard XenstoreService.store != nil else { return }
        for index in 0..<BlockBackend.count {
            guard let disk = BlockBackend.disks[index]?.disk else { continue }
            let front = UInt32(disk.domain)
            XenstoreLocal.request(.watch, "watch") { w in
                XenstoreToolstack.path(.frontend, front, &w)
                w.append("/state")
                w.append(0)
                w.append("vbd")
                w.append(0)
            }
            carryOut(index, handshakes[index].start(), front: front)
        }
    }

    /// A watch fired: every disk's front end state is read and acted on.
    static func update() {
        lookups &+= 1
        for index in 0..<BlockBackend.count {
            guard let disk = BlockBackend.disks[index]?.disk, handshakes[index].state != .unknown else { continue }
            let front = UInt32(disk.domain)
            guard let value = XenstoreLocal.readDecimal({ w in
                XenstoreToolstack.path(.frontend, front, &w)
                w.append("/state")
            }) else { continue }
            carryOut(index, handshakes[index].frontendChanged(to: XenbusState(rawValue: value)), front: front)
        }
    }

    /// `front`'s domain restarted (its xenstore connection was reset and its
    /// entries written again): whatever it had connected is let go (the
    /// hypervisor already took the ring page back, so the unmap only frees the
    /// handle) and the back end waits for the new kernel's blkfront in InitWait.
    static func frontendRestarted(_ front: UInt32) {
        for index in 0..<BlockBackend.count {
            guard let disk = BlockBackend.disks[index]?.disk, UInt32(disk.domain) == front else { continue }
            carryOut(index, handshakes[index].frontendRestarted(), front: front)
        }
    }

    /// Does what the handshake decided, in its order.
    private static func carryOut(_ index: Int, _ reaction: BlkifBackendHandshake.Reaction, front: UInt32) {
        if reaction.disconnect { disconnect(index) }
        if reaction.connect { connect(index, front: front) }
        if reaction.first != .unknown { setState(index, reaction.first) }
        if reaction.then != .unknown { setState(index, reaction.then) }
    }

    /// Maps `ring-ref`, binds `event-channel`, switches the disk over and says Connected:
    /// `VBD dom=<d> ring-ref=<r> event-channel=<e> port=<p> connected`, or `ERROR vbd dom=<d>: <why>`.
    private static func connect(_ index: Int, front: UInt32) {
        guard let reference = XenstoreLocal.readDecimal({ w in
                  XenstoreToolstack.path(.frontend, front, &w)
                  w.append("/ring-ref")
              }),
              let remotePort = XenstoreLocal.readDecimal({ w in
                  XenstoreToolstack.path(.frontend, front, &w)
                  w.append("/event-channel")
              })
        else { return refuse(front, "no ring-ref or event-channel") }
        if let abi = XenstoreLocal.read({ w in
            XenstoreToolstack.path(.frontend, front, &w)
            w.append("/protocol")
        }), !abi.equals(Bytes("arm-abi")) {
            return refuse(front, "protocol is not arm-abi")
        }
        let address = windowBase &+ (firstWindowPage &+ front) &* 4096
        let domain = UInt16(truncatingIfNeeded: front)
        let mapping = GrantTable.map(reference: reference, of: domain, at: address, readOnly: false)
        guard mapping.succeeded else { return refuse(front, "ring-ref could not be mapped") }
        let port = EventChannels.bindInterdomain(remote: domain, remotePort: remotePort)
        guard port > 0, port < Int32(EventChannels.handledPorts) else {
            if port > 0 { _ = EventChannels.close(UInt32(port)) }
            _ = GrantTable.unmap(handle: mapping.handle, at: address)
            return refuse(front, "event-channel could not be bound")
        }
        let localPort = UInt32(port)
        guard BlockBackend.disks[index]!.connect(ring: UnsafeMutableRawPointer(bitPattern: UInt(address))!, port: localPort) else {
            _ = EventChannels.close(localPort)
            _ = GrantTable.unmap(handle: mapping.handle, at: address)
            return refuse(front, "ring unusable")
        }
        EventChannels.setHandler(port: localPort, diskEvent)
        mapHandle[index] = mapping.handle
        boundPort[index] = localPort
        everConnected[index] = true
        connections &+= 1
        carryOut(index, handshakes[index].connected(), front: front)
        var out = GuestConsole()
        out.write("VBD dom=")
        out.write(decimal: front)
        out.write(" ring-ref=")
        out.write(decimal: reference)
        out.write(" event-channel=")
        out.write(decimal: remotePort)
        out.write(" port=")
        out.write(decimal: localPort)
        out.write(" connected")
        out.newline()
    }

    /// Lets go of a connected ring: no longer served, the port closed and
    /// the front end's page unmapped.
    private static func disconnect(_ index: Int) {
        guard let disk = BlockBackend.disks[index]?.disk else { return }
        BlockBackend.disks[index]!.disconnect()
        _ = EventChannels.close(boundPort[index])
        let address = windowBase &+ (firstWindowPage &+ UInt32(disk.domain)) &* 4096
        _ = GrantTable.unmap(handle: mapHandle[index], at: address)
        var out = GuestConsole()
        out.write("VBD dom=")
        out.write(decimal: UInt32(disk.domain))
        out.write(" disconnected")
        out.newline()
    }

    private static func setState(_ index: Int, _ state: XenbusState) {
        guard let disk = BlockBackend.disks[index]?.disk else { return }
        XenstoreToolstack.write(.backend, UInt32(disk.domain), "state") { $0.appendDecimal(state.rawValue) }
    }

    private static func refuse(_ front: UInt32, _ why: StaticString) {
        var out = GuestConsole()
        out.write("ERROR vbd dom=")
        out.write(decimal: front)
        out.write(": ")
        out.write(why)
        out.newline()
    }
}
