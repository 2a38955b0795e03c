// What the hypervisor appends to a VM's bootargs at boot, as a length bound,
// so the configuration check can make sure the configured text and the
// appendix fit the bootargs page together (a cut appendix would leave the
// guest a wrong argument). The texts, written by the hypervisor:
//   DMA-capable device   " physical-base=0x<8 hex>"          (BootArgumentsPage)
//   console backend      " consoles=<d>:<name>,..."           (SplitConsole)
//   block backend        " disks=<d>:<first>:<count>,..."     (BlockPlumbing)
// (Block front ends get nothing: they find their disk through xenstore.)
// Numbers are bounded by their widest decimal form (10 digits); names and
// domain ids (one digit, at most 8 VMs) are exact.

extension SystemConfig {
    /// The most bytes the hypervisor appends to VM `index`'s bootargs.
    public func bootargsAppendixBound(ofVM index: Int, on platform: Platform) -> Int {
        let vm = vms[index]
        let hex = 10, number = 10, domain = 1
        var total = 0
        if vm.getsPhysicalBaseArgument(on: platform) { total += StaticString(" physical-base=").utf8CodeUnitCount + hex }
        if vm.consoleBackend {
            total += StaticString(" consoles=").utf8CodeUnitCount
            for other in 0..<vmCount where other != index { total += 1 + domain + 1 + vms[other].name.count }
        }
        if vm.blockBackend {
            total += StaticString(" disks=").utf8CodeUnitCount
            for other in 0..<vmCount where other != index && vms[other].disk != nil {
                total += 1 + domain + 1 + number + 1 + number
            }
        }
        return total
    }
}
