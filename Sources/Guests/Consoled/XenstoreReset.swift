import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import XenRings
import Xenstore

extension XenstoreService {
    /// Guests restarted: resets answered (docs/XENSTORE.md, "Restart").
    nonisolated(unsafe) static var resets: UInt32 = 0

    /// Answers every ring whose `connection` asks for XENSTORE_RECONNECT (the
    /// hypervisor sets it when that guest restarts): as Xen's toolstack gives
    /// a rebooted guest a new domain, the old incarnation's connection, watches,
    /// transactions and nodes go, the toolstack's entries for its disks are
    /// written again (front end Initialising), the block back end lets go of
    /// its old connection and waits in InitWait, and only then does the page
    /// say connected again, which lets the hypervisor start the new kernel.
    /// `XENSTORE dom=<d> reset` each. Called from the loop itself, not deeper
    /// (the toolstack's requests need much of the SVC stack).
    static func resetRestarted() {
        guard mayHaveMoved else { return }  // the hypervisor asks with an event
        for index in 0..<ringCount {
            let page = UnsafeMutableRawPointer(bitPattern: UInt(pages[index]))!
            let memory = SharedMemory(page)
            guard memory.load32(XenstoreRingLayout.connectionOffset) == XenstoreRingLayout.reconnect else { continue }
            let domain = domains[index]
            if store != nil, rings[index] != nil {
                if !rings[index]!.reconnect(domain: domain, &store!) {
                    var out = GuestConsole()
                    out.write("ERROR xenstore dom=")
                    out.write(decimal: UInt32(domain))
                    out.write(": no node left for its home after its restart")
                    out.newline()
                }
                republishDisks(of: domain)
                BlkifNegotiation.frontendRestarted(UInt32(domain))
                rings[index]!.acknowledgeReconnect()
            } else {
                // The store never served this guest: nothing of the old incarnation is in it.
                memory.store32(0, XenstoreRingLayout.requests.consumerOffset)
                memory.store32(0, XenstoreRingLayout.requests.producerOffset)
                memory.store32(0, XenstoreRingLayout.responses.consumerOffset)
                memory.store32(0, XenstoreRingLayout.responses.producerOffset)
                memory.store32(0, XenstoreRingLayout.errorOffset)
                SharedPageBarriers().full()
                memory.store32(XenstoreRingLayout.connected, XenstoreRingLayout.connectionOffset)
            }
            reportedDrop[index] = false
            resets &+= 1
            _ = EventChannels.send(ports[index])
            var out = GuestConsole()
            out.write("XENSTORE dom=")
            out.write(decimal: UInt32(domain))
            out.write(" reset")
            out.newline()
        }
    }

    /// The toolstack's entries for every disk of `domain`, as at boot.
    private static func republishDisks(of domain: UInt16) {
        guard let disks else { return }
        for index in 0..<disks.count where UInt32(disks.disks[index].domain) == UInt32(domain) {
            XenstoreToolstack.publish(disks.disks[index])
        }
    }
}
