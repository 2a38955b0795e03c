// GICv2 distributor register map (ARM IHI 0048B, table 4-1) and the fixed
// identification values the virtual distributor reports.

public enum DistributorRegisters {
    /// Size of the GICD frame the guest sees.
    public static let frameSize: UInt32 = 0x1000

    public static let ctlr: UInt32 = 0x000
    public static let typer: UInt32 = 0x004
    public static let iidr: UInt32 = 0x008
    public static let igroupr: UInt32 = 0x080
    public static let isenabler: UInt32 = 0x100
    public static let icenabler: UInt32 = 0x180
    public static let ispendr: UInt32 = 0x200
    public static let icpendr: UInt32 = 0x280
    public static let isactiver: UInt32 = 0x300
    public static let icactiver: UInt32 = 0x380
    public static let ipriorityr: UInt32 = 0x400
    public static let itargetsr: UInt32 = 0x800
    public static let icfgr: UInt32 = 0xC00
    public static let nsacr: UInt32 = 0xE00
    public static let sgir: UInt32 = 0xF00
    public static let cpendsgir: UInt32 = 0xF10
    public static let spendsgir: UInt32 = 0xF20
    public static let identification: UInt32 = 0xFD0
    public static let icpidr2: UInt32 = 0xFE8

    /// ITLinesNumber = 4 (32 * 5 = 160 INTIDs), CPUNumber = 0 (one CPU),
    /// SecurityExtn = 0 (the guest sees a GIC without security extensions), LSPI = 0.
    public static let typerValue: UInt32 = 0x0000_0004
    /// ProductID 0x41 ('A' for Apus), variant 0, revision 0, implementer 0x43B
    /// (ARM's JEP106 code, as a GICv2 implementation of ARM's architecture).
    public static let iidrValue: UInt32 = 0x4100_043B
    /// ICPIDR2.ArchRev = 2 (GICv2); the other identification registers read as zero.
    public static let icpidr2Value: UInt32 = 0x0000_0020
    /// Priority bits the virtual CPU interface implements (GICH_VTR.PRIbits = 5):
    /// the low three bits of every priority byte read as zero.
    public static let priorityMask: UInt8 = 0xF8
}
