// How many table pages `Stage2Tables.build` will take for a VM, without
// building: so the hypervisor can size (or check) each VM's table storage
// before it starts, and tests can hold the builder to the same count.

extension Stage2Tables {
    /// Pages `build(for: vm, platform: platform, ...)` uses: the level-1 table, one
    /// level-2 table per GiB touched, one level-3 table per 2 MiB window that
    /// needs 4 KiB pages. Assumes the mappings do not overlap (validation ensures it).
    public static func pagesNeeded(for vm: VMConfig, platform: Platform) -> Int {
        var plan = Stage2Plan()
        plan.add(vm.memory, to: vm.physicalBase)
        for i in 0..<vm.deviceCount {
            if let pages = vm.devices[i].mappedPages { plan.add(pages, to: PhysicalAddress(pages.base.value)) }
        }
        plan.add(platform.guestGICCPUInterface, to: platform.gicVirtualCPUInterface)
        return plan.pages()
    }

    /// Every table page the VM's stage 2 takes: what `build` uses plus the tables
    /// `GrantTables.addDomain` reserves for the grant window (level 3 always,
    /// level 2 unless another mapping already made it) and, for a Linux VM, those
    /// of its grant-frame region. Exact, not a bound.
    public static func pagesNeededWithGrantWindow(for vm: VMConfig, platform: Platform) -> Int {
        var plan = Stage2Plan()
        plan.add(vm.memory, to: vm.physicalBase)
        for i in 0..<vm.deviceCount {
            if let pages = vm.devices[i].mappedPages { plan.add(pages, to: PhysicalAddress(pages.base.value)) }
        }
        plan.add(platform.guestGICCPUInterface, to: platform.gicVirtualCPUInterface)
        plan.add(platform.grantWindow, to: PhysicalAddress(UInt64(0)), alwaysPages: true)
        // A Linux VM's grant-table frames appear there on request (GrantFrameMapping).
        if vm.isLinux { plan.add(LinuxGuestLayout.grantFrames, to: PhysicalAddress(UInt64(0)), alwaysPages: true) }
        return plan.pages()
    }
}

/// How the hypervisor's stage-2 table region is shared out: each VM gets exactly
/// the pages its stage 2 needs (with its grant window), in configuration order.
/// The configuration check refuses a system whose VMs need more than the region
/// holds, so the boot never runs out.
public enum Stage2Budget {
    /// The first page of the region and the page count of VM `index`'s tables.
    public static func slice(ofVM index: Int, in config: SystemConfig, platform: Platform) -> (first: Int, count: Int) {
        var first = 0
        for earlier in 0..<min(index, config.vmCount) {
            first += Stage2Tables.pagesNeededWithGrantWindow(for: config.vms[earlier], platform: platform)
        }
        return (first, Stage2Tables.pagesNeededWithGrantWindow(for: config.vms[index], platform: platform))
    }
}

/// The regions of one VM's stage 2, as the builder will map them.
struct Stage2Plan {
    /// Memory, 4 devices, the GIC CPU interface, the grant window, a Linux VM's grant frames.
    var regions = InlineArray<8, (ipa: UInt64, size: UInt64, physical: UInt64, alwaysPages: Bool)>(repeating: (0, 0, 0, false))
    var count = 0

    /// `alwaysPages`: the range gets level-3 tables whatever its alignment
    /// (the grant window, where single pages are mapped later).
    mutating func add(_ range: GuestPhysicalRange, to physical: PhysicalAddress, alwaysPages: Bool = false) {
        guard count < regions.count, range.size > 0 else { return }
        regions[count] = (range.base.value, range.size, physical.value, alwaysPages)
        count += 1
    }

    func pages() -> Int {
        var total = 1
        // Level 2: each GiB that some region touches, counted at its first region.
        for r in 0..<count {
            let (first, last) = span(r, unit: PageSize.gigabyte)
            var gib = first
            while gib <= last {
                if !touched(gib, unit: PageSize.gigabyte, before: r) { total += 1 }
                gib += 1
            }
        }
        // Level 3: each 2 MiB window in which some region is mapped with pages.
        for r in 0..<count {
            let (first, last) = span(r, unit: PageSize.block)
            var window = first
            while window <= last {
                if needsPages(r, window: window) && !paged(window, before: r) { total += 1 }
                window += 1
            }
        }
        return total
    }

    /// First and last `unit`-sized window index region `r` touches.
    private func span(_ r: Int, unit: UInt64) -> (UInt64, UInt64) {
        (regions[r].ipa / unit, (regions[r].ipa + regions[r].size - 1) / unit)
    }

    private func touched(_ index: UInt64, unit: UInt64, before r: Int) -> Bool {
        for earlier in 0..<r {
            let (first, last) = span(earlier, unit: unit)
            if index >= first && index <= last { return true }
        }
        return false
    }

    private func paged(_ window: UInt64, before r: Int) -> Bool {
        for earlier in 0..<r where needsPages(earlier, window: window) { return true }
        return false
    }

    /// Whether region `r` maps part of 2 MiB `window` with 4 KiB pages (the
    /// builder's rule: a block only where both addresses are 2 MiB aligned and a
    /// whole block remains).
    private func needsPages(_ r: Int, window: UInt64) -> Bool {
        let region = regions[r]
        let start = window * PageSize.block, end = start + PageSize.block
        guard region.ipa < end, start < region.ipa + region.size else { return false }
        if region.alwaysPages { return true }
        if (region.ipa % PageSize.block) != (region.physical % PageSize.block) { return true }
        return region.ipa > start || region.ipa + region.size < end
    }
}
