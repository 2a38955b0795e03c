import GuestRuntime
import HypervisorCore

/// Room for the longest batch: 100 gnttab_copy structs of 40 bytes.
nonisolated(unsafe) var grantBatchStorage = InlineArray<1000, UInt32>(repeating: 0)

/// GNTTABOP_copy batches of 1, 16, 17 and 100 operations in one hypercall
/// each: the hypervisor handles 16 per trap and restarts the call for the
/// rest, which must leave every operation done once, in order, with its own
/// status. Operation i copies 4 bytes from grant offset 40*i to frame offset
/// 4*i; every tenth names a reference that does not exist, so a status
/// written into the wrong struct shows.
enum GrantCopyBatches {
    static let counts: InlineArray<4, Int> = [1, 16, 17, 100]
    static let badReference: UInt64 = 600
    static let statusNeverWritten: UInt16 = 0x7777

    /// One `GRANTBATCH count= result= right=` line per batch; true when every
    /// operation of every batch had the right status and bytes.
    static func run(reference: UInt32, domain: UInt16, granted: UInt32, local: UInt32, to out: inout GuestConsole) -> Bool {
        let grantedBytes = UnsafeMutablePointer<UInt8>(bitPattern: UInt(granted))!
        let localBytes = UnsafeMutablePointer<UInt8>(bitPattern: UInt(local))!
        var allRight = true
        for slot in counts.indices {
            let count = counts[slot]
            for index in 0..<4096 { localBytes[index] = 0 }
            let (result, right) = withUnsafeMutableBytes(of: &grantBatchStorage) { storage in
                for index in 0..<count {
                    let s = GuestStruct(storage, offset: index * 40)
                    s.setU64(0, index % 10 == 9 ? badReference : UInt64(widening: reference))
                    s.setU16(8, domain)
                    s.setU16(10, UInt16(truncatingIfNeeded: 40 * index))
                    s.setU64(16, UInt64(widening: local &>> 12))
                    s.setU16(24, domainSelf)
                    s.setU16(26, UInt16(truncatingIfNeeded: 4 * index))
                    s.setU16(32, 4)
                    s.setU16(34, GrantCopyFlags.sourceGrantRef)
                    s.setU16(36, statusNeverWritten)
                }
                let result = Hypervisor.call(.grantTableOp, GrantTableCommand.copy.rawValue,
                                             UInt32(UInt(bitPattern: storage.baseAddress!)), UInt32(count))
                var right = 0
                for index in 0..<count {
                    let bad = index % 10 == 9
                    var good = GuestStruct(storage, offset: index * 40).status(36)
                        == (bad ? GrantStatus.badGrantRef.rawValue : GrantStatus.okay.rawValue)
                    for byte in 0..<4 where localBytes[4 * index + byte] != (bad ? 0 : grantedBytes[40 * index + byte]) {
                        good = false
                    }
                    if good { right += 1 }
                }
                // Nothing beyond the last operation's bytes was written.
                if localBytes[4 * count] != 0 { right -= 1 }
                return (result, right)
            }
            out.write("GRANTBATCH count=")
            out.write(decimal: UInt32(count))
            out.write(" result=")
            out.write(signed: Int64(widening: Int(result)))
            out.write(" right=")
            out.write(signed: Int64(widening: right))
            out.newline()
            if result != 0 || right != count { allRight = false }
        }
        return allRight
    }
}
