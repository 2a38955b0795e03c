import HVRegs
import HypervisorCore

/// Everything that makes up a VCPU while it is not on the CPU. The general
/// registers live in a trap frame (the shape vectors.S saves); the rest is
/// banked registers, VFP, CP15, the virtual timer and the GIC's virtual CPU
/// interface (its list registers live in the VM's VirtualGIC model).
struct VCPUContext {
    var frame = apus_trap_frame()
    var banked = apus_banked_regs()
    var vfp = apus_vfp_state()
    var cp15 = GuestCP15()
    var timerControl: UInt32 = 0
    var timerCompare: UInt64 = 0
    /// The physical virtual-timer PPI was active (guest had not EOI'd it yet).
    var timerInterruptActive = false
    var gicVMCR: UInt32 = 0
    var gicAPR: UInt32 = 0
    /// What the guest reads as MPIDR: its VCPU number in Aff0 (VirtualMPIDR).
    var vmpidr = VirtualMPIDR.value(ofVCPU: 0)

    /// A fresh VCPU: SVC mode with interrupts masked at `entry`, CP15 at its
    /// reset values, `r0`/`r1` as the guest entry convention says.
    init(entry: UInt32, r0: UInt32, r1: UInt32, resetCP15: GuestCP15, vcpu: Int = 0) {
        vmpidr = VirtualMPIDR.value(ofVCPU: vcpu)
        frame.elr = entry
        frame.spsr = UInt32(PSR_MODE_SVC | PSR_A | PSR_I | PSR_F)
        frame.r.0 = r0
        frame.r.1 = r1
        cp15 = resetCP15
    }

    init() {}

    /// Takes the running VCPU's state off the CPU into this context.
    mutating func save(from liveFrame: UnsafeMutablePointer<apus_trap_frame>) {
        apus_copy_frame(&frame, liveFrame)
        apus_save_banked(&banked)
        apus_save_vfp(&vfp)
        cp15.save()
        timerControl = hv_read_cntv_ctl()
        timerCompare = hv_read_cntv_cval()
        hv_write_cntv_ctl(0)  // it must not fire for the next VCPU
        timerInterruptActive = GIC.isActive(GIC.virtualTimerInterrupt)
        if timerInterruptActive { GIC.setActive(GIC.virtualTimerInterrupt, false) }
        let gich = GIC.hypInterface
        gicVMCR = hv_mmio_read32(gich + 0x008)
        gicAPR = hv_mmio_read32(gich + 0x0F0)
        // The list registers were folded into the VM's VirtualGIC on exit.
        for index in 0..<4 { hv_mmio_write32(gich + 0x100 + UInt(index) * 4, 0) }
        hv_mmio_write32(gich + 0x000, 0)  // GICH_HCR: virtual CPU interface off
        VirtualInterrupts.loaded = nil
    }

    /// Puts this context on the CPU; the caller then resumes `liveFrame`.
    mutating func restore(into liveFrame: UnsafeMutablePointer<apus_trap_frame>) {
        apus_copy_frame(liveFrame, &frame)
        apus_restore_banked(&banked)
        apus_restore_vfp(&vfp)
        cp15.restore()
        hv_write_vmpidr(vmpidr)
        if timerInterruptActive { GIC.setActive(GIC.virtualTimerInterrupt, true) }
        hv_write_cntv_cval(timerCompare)
        hv_write_cntv_ctl(timerControl)
        let gich = GIC.hypInterface
        hv_mmio_write32(gich + 0x008, gicVMCR)
        hv_mmio_write32(gich + 0x0F0, gicAPR)
        hv_isb()
    }
}
