import GuestRuntime
import HypervisorCore

/// Reports a failed setup step and stops: nothing after it can work.
func fail(_ step: StaticString, _ result: Int32, check name: StaticString) -> Never {
    var out = GuestConsole()
    out.write("ERROR ")
    out.write(step)
    out.write(" returned ")
    out.write(signed: Int64(widening: Int(result)))
    out.newline()
    check(name, false)
    Hypervisor.shutdown(.crash)
}
