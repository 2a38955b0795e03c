import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import Xenstore

extension BlkifNegotiation {
    /// Disks whose front end connected at least once.
    nonisolated(unsafe) static var everConnected = InlineArray<7, Bool>(repeating: false)
    /// Times the back end looked at the front ends' states: once per batch of
    /// watch events, never on a timer, so a front end that never connects
    /// costs nothing while the back end waits for it.
    nonisolated(unsafe) static var lookups: UInt32 = 0

    /// At power-off, each published disk whose front end never connected:
    /// `VBD dom=<d> never connected: front end state=<s|none>, back end waited in state=<b> lookups=<n>`.
    static func reportWaiting() {
        for index in 0..<BlockBackend.count where handshakes[index].state != .unknown && !everConnected[index] {
            guard let disk = BlockBackend.disks[index]?.disk else { continue }
            let front = UInt32(disk.domain)
            let state = XenstoreLocal.readDecimal { w in
                XenstoreToolstack.path(.frontend, front, &w)
                w.append("/state")
            }
            var out = GuestConsole()
            out.write("VBD dom=")
            out.write(decimal: front)
            out.write(" never connected: front end state=")
            if let state { out.write(decimal: state) } else { out.write("none") }
            out.write(", back end waited in state=")
            out.write(decimal: handshakes[index].state.rawValue)
            out.write(" lookups=")
            out.write(decimal: lookups)
            out.newline()
        }
    }
}
