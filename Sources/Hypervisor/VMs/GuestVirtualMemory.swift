import HVRegs
import HypervisorCore

/// Hypercall buffers named by guest virtual address (as Xen on ARM does):
/// each page is translated through the running guest's stage 1 with
/// ATS1CPR/ATS1CPW (PAR saved and restored around it, it is the guest's
/// register) and must land in the VM's RAM. A buffer whose pages are
/// contiguous in guest-physical memory is used in place; one that is not is
/// copied into a bounce buffer and copied back when the hypercall is done
/// (`finish`). Unmapped, or not writable when the call writes: nil (-EFAULT).
/// The bounce buffer is this CPU's (CPURecord).
enum GuestVirtualMemory {
    static let bounceCapacity = 4096
    /// The pending copy back: the bounce holds `length` bytes of the buffer at `virtual`.
    static var bounced: (vm: Int, virtual: UInt32, length: Int, write: Bool)? {
        get { ThisCPU.record.pointee.bounced }
        set { ThisCPU.record.pointee.bounced = newValue }
    }

    /// The IPA of `virtual` in the running guest, translated for reading or writing.
    static func translate(_ virtual: UInt32, write: Bool) -> UInt32? {
        let saved = hv_read_par()
        if write { hv_write_ats1cpw(virtual) } else { hv_write_ats1cpr(virtual) }
        hv_isb()
        let par = hv_read_par()
        hv_write_par(saved)
        guard let ipa = StageOneTranslation.address(par: par, virtual: virtual) else { return nil }
        return UInt32(truncatingIfNeeded: ipa.value)
    }

    /// The buffer [virtual, virtual + length) of the running `vm`, or nil (-EFAULT).
    static func bytes(vm: Int, virtual: UInt32, length: Int, write: Bool) -> UnsafeMutableRawBufferPointer? {
        guard length >= 0 else { return nil }
        guard let first = translate(virtual, write: write) else { return nil }
        let pieces = StageOneTranslation.pieceCount(of: virtual, length: length)
        var contiguous = true
        var index = 1
        while index < pieces {
            let piece = StageOneTranslation.piece(index, of: virtual, length: length)
            guard let ipa = translate(piece.virtual, write: write) else { return nil }
            if ipa != first &+ (piece.virtual &- virtual) { contiguous = false }
            guard Machines.guestBytes(vm: vm, address: ipa, length: piece.count) != nil else { return nil }
            index += 1
        }
        if contiguous { return Machines.guestBytes(vm: vm, address: first, length: length) }
        guard length <= bounceCapacity, bounced == nil else { return nil }
        let area = bounceArea(length)
        guard copy(vm: vm, virtual: virtual, length: length, write: write, toBounce: true, area: area) else { return nil }
        bounced = (vm, virtual, length, write)
        return area
    }

    /// After a hypercall: what it wrote into a bounced buffer goes back to the guest.
    static func finish() {
        guard let pending = bounced else { return }
        bounced = nil
        guard pending.write else { return }
        _ = copy(vm: pending.vm, virtual: pending.virtual, length: pending.length, write: true, toBounce: false,
                 area: bounceArea(pending.length))
    }

    private static func bounceArea(_ length: Int) -> UnsafeMutableRawBufferPointer {
        withUnsafeMutablePointer(to: &ThisCPU.record.pointee.bounce) { pointer in
            UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(pointer), count: length)
        }
    }

    /// Copies between the guest's pages and the bounce area, page by page.
    private static func copy(vm: Int, virtual: UInt32, length: Int, write: Bool, toBounce: Bool,
                             area: UnsafeMutableRawBufferPointer) -> Bool {
        var done = 0
        var index = 0
        while done < length {
            let piece = StageOneTranslation.piece(index, of: virtual, length: length)
            guard let ipa = translate(piece.virtual, write: write),
                  let page = Machines.guestBytes(vm: vm, address: ipa, length: piece.count) else { return false }
            if toBounce {
                (area.baseAddress! + done).copyMemory(from: page.baseAddress!, byteCount: piece.count)
            } else {
                page.baseAddress!.copyMemory(from: area.baseAddress! + done, byteCount: piece.count)
            }
            done += piece.count
            index += 1
        }
        return true
    }
}
