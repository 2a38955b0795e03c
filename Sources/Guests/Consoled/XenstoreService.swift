import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import XenRings
import Xenstore

/// 400,000 bytes of BSS for the store's region (XenstoreCapacities.standard needs 390,592).
nonisolated(unsafe) var xenstoreStorage = InlineArray<50_000, UInt64>(repeating: 0)

/// The system's one xenstore (docs/XENSTORE.md), served by this driver
/// domain: every other VM's xenstore ring (found with hvm_op get_param
/// STORE_PFN/STORE_EVTCHN naming that domain) and this domain's own local
/// connection, through which it writes the toolstack's entries
/// (XenstoreToolstack) and the block back end reads and writes its part.
enum XenstoreService {
    nonisolated(unsafe) static var store: Xenstore? = nil
    nonisolated(unsafe) static var rings = InlineArray<7, XenstoreRingPort<SharedPageBarriers>?>(repeating: nil)
    nonisolated(unsafe) static var ports = InlineArray<7, UInt32>(repeating: 0)
    nonisolated(unsafe) static var domains = InlineArray<7, UInt16>(repeating: 0)
    nonisolated(unsafe) static var reportedDrop = InlineArray<7, Bool>(repeating: false)
    nonisolated(unsafe) static var ringCount = 0
    /// Where each ring is (in the grant window), until the store starts.
    nonisolated(unsafe) static var pages = InlineArray<7, UInt32>(repeating: 0)
    /// The disks the toolstack part publishes when the store starts.
    nonisolated(unsafe) static var disks: BlockBackendArguments? = nil
    /// This domain's own connection (privileged, as dom0's is).
    nonisolated(unsafe) static var local = -1
    nonisolated(unsafe) static var ownDomain: UInt16 = 0
    /// Events taken on xenstore ports, and requests answered on the local connection.
    nonisolated(unsafe) static var events: UInt32 = 0
    /// Whether a ring can have moved since the rings were last served: an event
    /// on a xenstore port, a local request (its watches queue events for the
    /// guests), or the loop's tick (a lost event). Wake-ups for the block and
    /// console rings leave the xenstore rings alone.
    nonisolated(unsafe) static var mayHaveMoved = true

    static let frameLimit: UInt64 = 0x10_0000

    /// Finds the ring of every domain in `domains` and takes its port:
    /// `XENSTORE dom=<d> port=<p> ring=<address>` each, or an `ERROR xenstore ...` line.
    /// The store itself starts when a guest first sends it a request
    /// (`startIfAsked`): setting it up and publishing the toolstack's entries
    /// costs milliseconds of this domain's budget, which systems whose guests
    /// never use xenstore keep for their I/O.
    static func attach(own: UInt16, domains list: ConsoledArguments) {
        ownDomain = own
        disks = list.disks
        for index in 0..<list.count { attachRing(of: list.entries[index].domain) }
    }

    /// Once a guest has put a request on its ring (req_prod moved; the events
    /// the boot-time binding leaves pending do not count): the store, every
    /// domain introduced with its ring port, the toolstack's entries, the
    /// block back end's watches. Once.
    /// Called from the loop itself, not deeper: the toolstack's requests need
    /// much of the 8 KiB SVC stack.
    static func startIfAsked() {
        guard store == nil, ringCount > 0 else { return }
        var asked = false
        for index in 0..<ringCount where SharedMemory(UnsafeMutableRawPointer(bitPattern: UInt(pages[index]))!)
            .load32(XenstoreRingLayout.requests.producerOffset) != 0 { asked = true }
        guard asked else { return }
        let memory = withUnsafeMutableBytes(of: &xenstoreStorage) { $0 }
        guard let made = Xenstore(capacities: .standard, privilegedDomain: ownDomain, memory: memory) else {
            var out = GuestConsole()
            out.write("ERROR xenstore: the standard capacities do not fit its region")
            out.newline()
            ringCount = 0
            return
        }
        store = made
        local = store!.connect(domain: ownDomain) ?? -1
        for index in 0..<ringCount {
            guard let connection = store!.introduceDomain(domains[index]) else {
                var out = GuestConsole()
                out.write("ERROR xenstore dom=")
                out.write(decimal: UInt32(domains[index]))
                out.write(": no connection left")
                out.newline()
                reportedDrop[index] = true
                continue
            }
            rings[index] = XenstoreRingPort(page: UnsafeMutableRawPointer(bitPattern: UInt(pages[index]))!,
                                            connection: connection, barriers: SharedPageBarriers())
        }
        if let disks { XenstoreToolstack.publish(disks) }
        BlkifNegotiation.start()
    }

    private static func attachRing(of domain: UInt16) {
        var out = GuestConsole()
        let frame = HVMParameters.get(domain: domain, index: HVMParameters.storePageFrame)
        // -ENOENT: the hypervisor gives that domain no xenstore ring (it may restart).
        if frame.result == -2 { return }
        let port = HVMParameters.get(domain: domain, index: HVMParameters.storePort)
        guard frame.result == 0, port.result == 0, frame.value != 0, frame.value < frameLimit,
              port.value != 0, port.value < UInt64(clampingNonNegative: EventChannels.handledPorts)
        else {
            out.write("ERROR xenstore dom=")
            out.write(decimal: UInt32(domain))
            out.write(": get_param 1/2 returned ")
            out.write(signed: Int64(widening: Int(frame.result)))
            out.write("/")
            out.write(signed: Int64(widening: Int(port.result)))
            out.newline()
            return
        }
        let address = UInt32(truncatingIfNeeded: frame.value) &<< 12
        let portNumber = UInt32(truncatingIfNeeded: port.value)
        pages[ringCount] = address
        ports[ringCount] = portNumber
        domains[ringCount] = domain
        ringCount += 1
        EventChannels.setHandler(port: portNumber, xenstoreEvent)
        out.write("XENSTORE dom=")
        out.write(decimal: UInt32(domain))
        out.write(" port=")
        out.write(decimal: portNumber)
        out.write(" ring=")
        out.write(hex: address)
        out.newline()
    }

    /// Serves every ring until none moves (one guest's change can queue
    /// another's watch events); each guest is notified when its ring moved.
    /// A dropped ring is reported once: `XENSTORE dom=<d> dropped reason=<n>`.
    static func serveAll() {
        guard store != nil else { return }
        var busy = true
        while busy {
            busy = false
            for index in 0..<ringCount where rings[index] != nil {
                switch rings[index]!.service(&store!) {
                case .served(let notify):
                    if notify {
                        _ = EventChannels.send(ports[index])
                        busy = true
                    }
                case .dropped(let reason):
                    guard !reportedDrop[index] else { continue }
                    reportedDrop[index] = true
                    var out = GuestConsole()
                    out.write("XENSTORE dom=")
                    out.write(decimal: UInt32(domains[index]))
                    out.write(" dropped reason=")
                    out.write(decimal: reason.rawValue)
                    out.newline()
                }
            }
        }
    }
}

/// A guest sent on its xenstore port: the main loop serves the rings after the WFI.
func xenstoreEvent(_ port: UInt32) {
    XenstoreService.events &+= 1
    XenstoreService.mayHaveMoved = true
}

extension XenstoreService {
    /// `XENSTORE rings=<n> events=<n>` at the end (rings 0: no guest used xenstore, the store never started).
    static func report() {
        guard ringCount > 0 else { return }
        var started = 0
        for index in 0..<ringCount where rings[index] != nil { started += 1 }
        var out = GuestConsole()
        out.write("XENSTORE rings=")
        out.write(decimal: UInt32(truncatingIfNeeded: started))
        out.write(" events=")
        out.write(decimal: events)
        out.newline()
        reportClients()
    }
}

extension XenstoreService {
    /// Serves the rings; when a watch of the block back end fired, lets it
    /// act and serves again (its writes fire the front ends' watches).
    static func serveAndNegotiate() {
        guard store != nil, mayHaveMoved else { return }
        mayHaveMoved = false
        while true {
            serveAll()
            XenstoreLocal.takeEvents()
            guard XenstoreLocal.watchFired else { return }
            XenstoreLocal.watchFired = false
            BlkifNegotiation.update()
        }
    }
}
