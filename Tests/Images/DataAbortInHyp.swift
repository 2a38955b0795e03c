import HVRegs

// Test image: the hypervisor itself writes to unmapped memory (3-4 GiB has no
// HYP mapping), which must end in the panic report and a failing exit status.
@c(apus_selftest)
func provokeDataAbort() {
    hv_mmio_write32(0xC000_0000, 0xDEAD)
}
