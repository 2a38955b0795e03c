// The word the hostile guest stores through every address that must not reach
// another VM (docs/GUESTS.md, `sweep-end`). At power-off the hypervisor counts
// it in every VM's memory: outside the prober's own memory there must be none.
// No other guest ever stores it, so a count above zero is a store that crossed.

public enum IsolationProbe {
    public static let marker: UInt32 = 0x1501_A7ED
}
