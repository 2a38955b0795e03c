import HVRegs
import HypervisorCore

/// Entered from Boot/start.S in non-secure HYP mode with the MMU, caches,
/// stack and vectors set up. Never returns.
@c(apus_main)
func apusMain() -> Never {
    ThisCPU.initializeAll()
    Console.enable()
    let bootTree = BootDeviceTree.read()
    Clock.initialize(treeFrequency: bootTree?.timerFrequency)
    PhysicalCPUs.start()
    Banner.print()
    BootDeviceTree.check(bootTree)
    apus_selftest()
    SystemBoot.boot()
}
