import HVRegs

// Test image: a Swift precondition fails inside the hypervisor. MIDR is never
// zero, so the check fails at run time and cannot be folded away.
@c(apus_selftest)
func failPrecondition() {
    precondition(hv_read_midr() == 0, "MIDR must be zero")
}
