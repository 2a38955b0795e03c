import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import XenRings

/// The block back end (docs/BLOCK.md): serves every front end named in
/// `disks=` from its slice of the virtio-blk disk this VM owns by
/// passthrough, once the front end connected through xenstore
/// (BlkifNegotiation). The device is driven one request at a time and its
/// completion polled, so a request in flight keeps this VCPU busy.
enum BlockBackend {
    nonisolated(unsafe) static var device: VirtioBlock? = nil
    nonisolated(unsafe) static var disks = InlineArray<7, ServedDisk?>(repeating: nil)
    nonisolated(unsafe) static var count = 0
    nonisolated(unsafe) static var events: UInt32 = 0

    /// Brings the device up and attaches every disk: `DISK dom=<d> first=<sector> sectors=<n>` each.
    /// Without `disks=` nothing is done; a device that cannot be used is reported
    /// and every disk is left unattached (their front ends then time out).
    static func attach(_ arguments: ConsoledArguments, memoryEnd: UInt64) {
        guard arguments.disks.count > 0 else { return }
        var out = GuestConsole()
        guard let transport = arguments.virtio, let physicalBase = arguments.physicalBase else {
            out.write("ERROR disks: needs virtio=<transport> and physical-base= (a virtio-mmio device passed through)")
            out.newline()
            return
        }
        do throws(VirtioError) {
            device = try VirtioBlock(base: UInt(transport), window: GuestDMAWindow(ramEnd: memoryEnd, physicalBase: physicalBase))
        } catch {
            out.write("ERROR disks: ")
            error.describe(to: &out)
            out.newline()
            return
        }
        if let interrupt = arguments.interrupt { VirtioBlock.attachInterrupt(interrupt) }
        let capacity = device?.capacity ?? 0
        for index in 0..<arguments.disks.count {
            let disk = arguments.disks.disks[index]
            let served = ServedDisk(disk: disk, capacity: capacity)
            disks[count] = served
            count += 1
            out.write("DISK dom=")
            out.write(decimal: UInt32(disk.domain))
            out.write(" first=")
            out.write(decimal: disk.firstSector)
            out.write(" sectors=")
            out.write(decimal: disk.sectorCount)
            if !served.sliceFits {
                out.write(" ERROR beyond the device's ")
                out.write(decimal: capacity)
                out.write(" sectors: every request refused")
            }
            out.newline()
        }
    }

    /// Serves every ring until none has requests left.
    static func serveAll() {
        guard var device else { return }
        withUnsafeMutableBytes(of: &bounceStorage) { storage in
            let base = (UInt(bitPattern: storage.baseAddress!) &+ 0xFFF) & ~UInt(0xFFF)
            let bounce = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: base),
                                                       count: BlkifTransfer.maximumBytes)
            var busy = true
            while busy {
                busy = false
                for index in 0..<count where disks[index]?.serve(device: &device, bounce: bounce) == true { busy = true }
            }
        }
        self.device = device
    }

    /// Retires every disk whose front end's port is no longer interdomain
    /// (the front end stopped); what it left in the ring is not served.
    static func retireDeparted() {
        for index in 0..<count where disks[index]?.state == .serving {
            guard let port = disks[index]?.port else { continue }
            let status = EventChannels.status(port)
            if status.result == 0, status.code == EventChannelStatusCode.interdomain.rawValue { continue }
            disks[index]?.retire()
        }
    }

    static var serving: Int {
        var left = 0
        for index in 0..<count where disks[index]?.state == .serving { left += 1 }
        return left
    }

    /// `BLOCK disks=<n> served=<requests> refused=<requests> interrupts=<n>`.
    static func report() {
        guard count > 0 else { return }
        var served: UInt32 = 0, refused: UInt32 = 0
        for index in 0..<count {
            served &+= disks[index]?.served ?? 0
            refused &+= disks[index]?.refused ?? 0
        }
        var out = GuestConsole()
        out.write("BLOCK disks=")
        out.write(decimal: UInt32(truncatingIfNeeded: count))
        out.write(" served=")
        out.write(decimal: served)
        out.write(" refused=")
        out.write(decimal: refused)
        out.write(" events=")
        out.write(decimal: events)
        out.write(" interrupts=")
        out.write(decimal: VirtioBlock.interrupts)
        out.newline()
    }
}

/// 48 KiB of BSS: 11 page-aligned pages (a blkif request's most) inside it.
nonisolated(unsafe) var bounceStorage = InlineArray<12288, UInt32>(repeating: 0)

/// A front end published requests: the main loop serves them after the WFI.
func diskEvent(_ port: UInt32) { BlockBackend.events &+= 1 }
