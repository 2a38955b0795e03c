import HypervisorCore
import TestSupport

/// 1..8 VMs with random sizes (some not 2 MiB multiples), random guest bases
/// (among them memory right against the guest's GIC on either side),
/// packed with random gaps after the hypervisor's 16 MiB at 4 KiB-aligned
/// physical bases (so most memory maps in pages), and random devices. Sizes
/// go up to `maximumPages` 4 KiB pages. Shared by the stage-2 isolation test
/// and the budget property test.
func randomSystemConfig(_ random: inout SplitMix64, platform: Platform, maximumPages: UInt64 = 2048) -> SystemConfig {
    var config = SystemConfig(scheduler: .credit)
    var next: UInt64 = 0x8100_0000 + (random.next() % 64) * 0x1000
    var devicePool = Array(0..<platform.deviceRegionCount).shuffled(using: &random)
    let count = 1 + Int(random.next() % 8)
    for _ in 0..<count {
        let size = (6 + random.next() % maximumPages) * 0x1000  // more than the 5 reserved pages
        // Also right below the guest's GIC distributor and right above its CPU interface.
        let guestBases: [UInt64] = [0x8000_0000, 0x4000_0000, 0x0, 0x8000_0000 + (random.next() % 512) * 0x1000,
                                    0x2C00_1000 - size, 0x2C00_4000]
        let guestBase = guestBases[Int(random.next() % (size <= 0x300_0000 ? 6 : 4))]
        var vm = VMConfig(node: .none, memory: GuestPhysicalRange(base: GuestPhysicalAddress(guestBase), size: size),
                          physicalBase: PhysicalAddress(next), entry: GuestPhysicalAddress(guestBase))
        vm.credit = CreditParameters()
        next += size + (random.next() % 3) * 0x20_0000
        for _ in 0..<Int(random.next() % 3) {
            guard let region = devicePool.popLast() else { break }
            vm.devices[vm.deviceCount] = PassthroughDevice(node: .none, registers: platform.deviceRegions[region].range)
            vm.deviceCount += 1
        }
        config.vms[config.vmCount] = vm
        config.vmCount += 1
    }
    return config
}
