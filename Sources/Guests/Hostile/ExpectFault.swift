import GuestRuntime
import GuestSupport

/// `Faults.expect` with a compiler barrier on each side of the body (DSB's
/// asm has a "memory" clobber). Without it the optimizer sees that a volatile
/// MMIO access cannot change `Faults.expecting` or `Faults.caught`, drops the
/// store that arms the handler, and folds the result to "nothing caught":
/// the fault then arrives unexpected and crashes the guest.
func expectFault(_ body: () -> Void) -> Faults.Kind? {
    Faults.expect {
        g_dsb()
        body()
        g_dsb()
    }?.kind
}
