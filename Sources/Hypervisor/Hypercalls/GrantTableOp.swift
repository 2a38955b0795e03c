import HVRegs
import HypervisorCore

extension Hypercalls {
    /// grant_table_op: the core's GrantTables decides (a batch may continue);
    /// the TLB is invalidated when a mapping went away.
    static func grantTableOp(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let command = frame.pointee.r.0, count = frame.pointee.r.2
        guard GrantTables.isValidCount(count) else {
            Hypercalls.fail(frame, .invalid)
            return
        }
        guard let size = GrantTables.argumentBytes(command: command, count: count) else {
            Hypercalls.fail(frame, .notImplemented)
            return
        }
        guard let arguments = GuestVirtualMemory.bytes(vm: vm, virtual: frame.pointee.r.1, length: size, write: true),
              var stage2 = Machines.table[vm].stage2
        else {
            Hypercalls.fail(frame, .fault)
            return
        }
        let outcome = EventAndGrantTables.grants.perform(
            command: command, arguments: arguments, count: count, caller: UInt16(truncatingIfNeeded: vm),
            stage2: &stage2
        ) { address, length in
            guard address < 0x1_0000_0000 else { return nil }
            return GuestVirtualMemory.bytes(vm: vm, virtual: UInt32(truncatingIfNeeded: address), length: length, write: true)
        }
        Machines.table[vm].stage2 = stage2
        Machines.table[vm].grantOperations &+= outcome.done
        if outcome.invalidateTLB {
            hv_write_tlbiallnsnh(0)
            hv_dsb()
            hv_isb()
        } else {
            hv_dsb()
        }
        if outcome.remaining > 0 {
            // Continuation: the rest of the batch is the same call, restarted.
            frame.pointee.r.1 = GrantTables.continuationAddress(command: command, address: frame.pointee.r.1, done: outcome.done)
            frame.pointee.r.2 = outcome.remaining
            frame.pointee.elr &-= 4
        } else {
            Hypercalls.result(frame, UInt32(bitPattern: outcome.result))
        }
    }
}
