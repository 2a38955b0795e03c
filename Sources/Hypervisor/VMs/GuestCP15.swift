import HVRegs

/// The CP15 state a guest OS uses, switched with its VCPU. Captured once at
/// boot before any guest runs, it also gives a new VCPU the architectural
/// reset values.
struct GuestCP15 {
    var sctlr: UInt32 = 0, cpacr: UInt32 = 0, ttbcr: UInt32 = 0, dacr: UInt32 = 0
    var ttbr0: UInt64 = 0, ttbr1: UInt64 = 0, par: UInt64 = 0
    var dfsr: UInt32 = 0, ifsr: UInt32 = 0, adfsr: UInt32 = 0, aifsr: UInt32 = 0
    var dfar: UInt32 = 0, ifar: UInt32 = 0
    var prrr: UInt32 = 0, nmrr: UInt32 = 0, amair0: UInt32 = 0, amair1: UInt32 = 0
    var vbar: UInt32 = 0, contextidr: UInt32 = 0
    var tpidrurw: UInt32 = 0, tpidruro: UInt32 = 0, tpidrprw: UInt32 = 0
    var csselr: UInt32 = 0, cntkctl: UInt32 = 0

    mutating func save() {
        sctlr = hv_read_sctlr(); cpacr = hv_read_cpacr(); ttbcr = hv_read_ttbcr(); dacr = hv_read_dacr()
        ttbr0 = hv_read_ttbr0(); ttbr1 = hv_read_ttbr1(); par = hv_read_par()
        dfsr = hv_read_dfsr(); ifsr = hv_read_ifsr(); adfsr = hv_read_adfsr(); aifsr = hv_read_aifsr()
        dfar = hv_read_dfar(); ifar = hv_read_ifar()
        prrr = hv_read_prrr(); nmrr = hv_read_nmrr(); amair0 = hv_read_amair0(); amair1 = hv_read_amair1()
        vbar = hv_read_vbar(); contextidr = hv_read_contextidr()
        tpidrurw = hv_read_tpidrurw(); tpidruro = hv_read_tpidruro(); tpidrprw = hv_read_tpidrprw()
        csselr = hv_read_csselr(); cntkctl = hv_read_cntkctl()
    }

    /// `mutating` although it changes nothing: a non-mutating call copies the record first.
    mutating func restore() {
        hv_write_sctlr(sctlr); hv_write_cpacr(cpacr); hv_write_ttbcr(ttbcr); hv_write_dacr(dacr)
        hv_write_ttbr0(ttbr0); hv_write_ttbr1(ttbr1); hv_write_par(par)
        hv_write_dfsr(dfsr); hv_write_ifsr(ifsr); hv_write_adfsr(adfsr); hv_write_aifsr(aifsr)
        hv_write_dfar(dfar); hv_write_ifar(ifar)
        hv_write_prrr(prrr); hv_write_nmrr(nmrr); hv_write_amair0(amair0); hv_write_amair1(amair1)
        hv_write_vbar(vbar); hv_write_contextidr(contextidr)
        hv_write_tpidrurw(tpidrurw); hv_write_tpidruro(tpidruro); hv_write_tpidrprw(tpidrprw)
        hv_write_csselr(csselr); hv_write_cntkctl(cntkctl)
    }
}
