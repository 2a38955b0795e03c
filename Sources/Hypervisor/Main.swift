import HVRegs
import HypervisorCore

/// Entered from Boot/start.S in non-secure HYP mode with the MMU, caches,
/// stack and vectors set up. Never returns.
@c(apus_main)
func apusMain() -> Never {
    Console.enable()
    Clock.initialize()
    Banner.print()
    apus_selftest()
    Lifecycle.boot()
}
