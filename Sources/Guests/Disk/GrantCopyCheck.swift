import GuestRuntime
import HypervisorCore

/// 12 KiB of BSS: two page-aligned pages for the grant-copy self-test.
nonisolated(unsafe) var grantCopyStorage = InlineArray<3072, UInt32>(repeating: 0)

/// GNTTABOP_copy through the runtime's wrapper, against the real hypervisor:
/// the guest grants a page of its own to itself (Apus lets the grantee be
/// the granter) and copies between that grant and a plain frame, both ways,
/// then tries to write through a read-only grant. This is the operation a
/// block backend uses to move data to and from a frontend's pages.
enum GrantCopyCheck {
    static let writableReference: UInt32 = 8   // Xen reserves 0-7
    static let readOnlyReference: UInt32 = 9

    static func run(vm: UInt32, to out: inout GuestConsole) {
        let located = GrantTable.locate()
        guard located.result == 0, located.status == 0 else {
            out.write("ERROR grant setup_table returned ")
            out.write(signed: Int64(widening: Int(located.result)))
            out.newline()
            check("disk-grant-copy", false)
            return
        }
        let domain = UInt16(truncatingIfNeeded: vm)
        let granted = withUnsafeMutablePointer(to: &grantCopyStorage) { pointer in
            (UInt32(UInt(bitPattern: pointer)) &+ 0xFFF) & ~UInt32(0xFFF)
        }
        let local = granted &+ 0x1000
        let grantedBytes = UnsafeMutablePointer<UInt8>(bitPattern: UInt(granted))!
        let localBytes = UnsafeMutablePointer<UInt8>(bitPattern: UInt(local))!
        for index in 0..<4096 {
            grantedBytes[index] = UInt8(truncatingIfNeeded: index &* 7 &+ 1)
            localBytes[index] = 0
        }
        GrantTable.grantAccess(reference: writableReference, to: domain, frame: granted &>> 12, readOnly: false)
        GrantTable.grantAccess(reference: readOnlyReference, to: domain, frame: granted &>> 12, readOnly: true)

        // Grant (offset 16) -> frame (offset 32), 100 bytes; then frame -> grant (offset 2000).
        let read = GrantTable.copy(fromReference: writableReference, of: domain, offset: 16,
                                   toFrame: local &>> 12, offset: 32, length: 100)
        let write = GrantTable.copy(fromFrame: local &>> 12, offset: 32, toReference: writableReference,
                                    of: domain, offset: 2000, length: 100)
        // Writing through the read-only grant must be refused per operation.
        let refused = GrantTable.copy(fromFrame: local &>> 12, offset: 0, toReference: readOnlyReference,
                                      of: domain, offset: 0, length: 4)
        var copiedRight = localBytes[31] == 0 && localBytes[132] == 0
        for index in 0..<100 {
            if localBytes[32 + index] != grantedBytes[16 + index] || grantedBytes[2000 + index] != grantedBytes[16 + index] {
                copiedRight = false
            }
        }
        let unchanged = grantedBytes[0] == 1
        let batches = GrantCopyBatches.run(reference: writableReference, domain: domain, granted: granted, local: local, to: &out)
        let revoked = GrantTable.endAccess(reference: writableReference) && GrantTable.endAccess(reference: readOnlyReference)

        out.write("GRANTCOPY read_result=")
        out.write(signed: Int64(widening: Int(read.result)))
        out.write(" read_status=")
        out.write(signed: Int64(widening: Int(read.status)))
        out.write(" write_status=")
        out.write(signed: Int64(widening: Int(write.status)))
        out.write(" readonly_status=")
        out.write(signed: Int64(widening: Int(refused.status)))
        out.newline()
        check("disk-grant-copy", read.succeeded && write.succeeded && copiedRight
              && refused.result == 0 && refused.status != 0 && unchanged && revoked)
        check("disk-grant-batches", batches)
    }
}
