import HVRegs

// Test image: an undefined instruction executed in HYP mode.
@c(apus_selftest)
func provokeUndefinedInstruction() {
    apus_test_undefined_instruction()
}
