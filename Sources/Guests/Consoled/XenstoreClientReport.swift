import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import Xenstore

extension XenstoreService {
    /// One line per guest ring at power-off, counted by the store itself (not
    /// believed from the guest), so a test sees from outside what a hostile
    /// client was refused:
    /// `XENSTORE dom=<d> requests=<n> refused=<n> errors=<NAME,...|none> dropped=<reason|no>`.
    static func reportClients() {
        guard let store else { return }
        for index in 0..<ringCount {
            guard let ring = rings[index] else { continue }
            let statistics = store.statistics(of: ring.connection)
            var out = GuestConsole()
            out.write("XENSTORE dom=")
            out.write(decimal: UInt32(domains[index]))
            out.write(" requests=")
            out.write(decimal: statistics.requests)
            out.write(" refused=")
            out.write(decimal: statistics.refusals)
            out.write(" errors=")
            var first = true
            for raw in 0..<UInt8(16) {
                guard let error = XenstoreError(rawValue: raw), statistics.wasRefused(with: error) else { continue }
                if !first { out.write(",") }
                out.write(error.wireName)
                first = false
            }
            if first { out.write("none") }
            out.write(" dropped=")
            if let reason = statistics.dropReason { out.write(decimal: reason.rawValue) } else { out.write("no") }
            out.newline()
        }
    }
}
