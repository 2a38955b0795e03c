// ABI tests: the layouts are derived here independently, by laying out the
// C field lists of xen.h / event_channel.h with the AAPCS rules (each field at
// the next multiple of its alignment, the size rounded up to the largest
// alignment), and compared with the constants and with the bytes that the
// decoders read and the encoders write.
import HypervisorCore
import XCTest

/// A C structure laid out by the AAPCS: fields in order, naturally aligned.
struct CLayout {
    var offsets: [String: Int] = [:]
    var size = 0
    var alignment = 1

    init(_ fields: [(String, size: Int, align: Int)]) {
        for field in fields {
            size = (size + field.align - 1) / field.align * field.align
            offsets[field.0] = size
            size += field.size
            alignment = max(alignment, field.align)
        }
        size = (size + alignment - 1) / alignment * alignment
    }

    subscript(_ name: String) -> Int { offsets[name]! }
}

final class EventChannelABITests: XCTestCase {
    // uint8 = (1,1), uint16/domid_t = (2,2), uint32/evtchn_port_t = (4,4),
    // uint64 and xen_ulong_t on ARM = (8,8); empty arch structs take no space.
    let vcpuTimeInfo = CLayout([("version", 4, 4), ("pad0", 4, 4), ("tsc_timestamp", 8, 8),
                                ("system_time", 8, 8), ("tsc_to_system_mul", 4, 4),
                                ("tsc_shift", 1, 1), ("flags", 1, 1), ("pad1", 2, 1)])

    func testVCPUInfoLayout() {
        XCTAssertEqual(vcpuTimeInfo.size, 32)
        let info = CLayout([("evtchn_upcall_pending", 1, 1), ("pad0", 1, 1), ("evtchn_pending_sel", 8, 8),
                            ("time", vcpuTimeInfo.size, 8)])
        XCTAssertEqual(info["evtchn_upcall_pending"], SharedInfoLayout.upcallPendingOffset)
        XCTAssertEqual(info["pad0"], SharedInfoLayout.upcallMaskOffset)
        XCTAssertEqual(info["evtchn_pending_sel"], SharedInfoLayout.pendingSelectorOffset)
        XCTAssertEqual(info["time"], SharedInfoLayout.vcpuTimeOffset)
        XCTAssertEqual(info.size, SharedInfoLayout.vcpuInfoSize)
    }

    func testSharedInfoLayout() {
        // vcpu_info[XEN_LEGACY_MAX_VCPUS = 1], then the bitmaps of 8*sizeof(xen_ulong_t) = 64 words.
        let shared = CLayout([("vcpu_info", SharedInfoLayout.vcpuInfoSize, 8), ("evtchn_pending", 64 * 8, 8),
                              ("evtchn_mask", 64 * 8, 8), ("wc_version", 4, 4), ("wc_sec", 4, 4),
                              ("wc_nsec", 4, 4), ("wc_sec_hi", 4, 4)])
        XCTAssertEqual(shared["vcpu_info"], SharedInfoLayout.vcpuInfoOffset)
        XCTAssertEqual(shared["evtchn_pending"], SharedInfoLayout.pendingOffset)
        XCTAssertEqual(shared["evtchn_mask"], SharedInfoLayout.maskOffset)
        XCTAssertEqual(shared["wc_version"], SharedInfoLayout.wallClockVersionOffset)
        XCTAssertEqual(shared["wc_sec"], SharedInfoLayout.wallClockSecondsOffset)
        XCTAssertEqual(shared["wc_nsec"], SharedInfoLayout.wallClockNanosecondsOffset)
        XCTAssertEqual(shared["wc_sec_hi"], SharedInfoLayout.wallClockSecondsHighOffset)
        XCTAssertEqual(shared.size, SharedInfoLayout.size)
        XCTAssertEqual(SharedInfoLayout.bitmapSize, 512)
        XCTAssertLessThanOrEqual(shared.size, 4096, "shared_info fits its page")
    }

    func testArgumentLayouts() {
        let alloc = CLayout([("dom", 2, 2), ("remote_dom", 2, 2), ("port", 4, 4)])
        XCTAssertEqual([alloc["dom"], alloc["remote_dom"], alloc["port"], alloc.size], [0, 2, 4, 8])
        XCTAssertEqual(AllocUnboundArguments.size, alloc.size)
        let bind = CLayout([("remote_dom", 2, 2), ("remote_port", 4, 4), ("local_port", 4, 4)])
        XCTAssertEqual([bind["remote_dom"], bind["remote_port"], bind["local_port"], bind.size], [0, 4, 8, 12])
        XCTAssertEqual(BindInterdomainArguments.size, bind.size)
        let virq = CLayout([("virq", 4, 4), ("vcpu", 4, 4), ("port", 4, 4)])
        XCTAssertEqual(BindVirqArguments.size, virq.size)
        XCTAssertEqual(PortArgument.size, CLayout([("port", 4, 4)]).size)
        // The status union: the largest member is interdomain { domid_t; port } = 8 bytes, 4-aligned.
        let interdomain = CLayout([("dom", 2, 2), ("port", 4, 4)])
        XCTAssertEqual(interdomain["port"], 4)
        let status = CLayout([("dom", 2, 2), ("port", 4, 4), ("status", 4, 4), ("vcpu", 4, 4),
                              ("u", interdomain.size, interdomain.alignment)])
        XCTAssertEqual([status["dom"], status["port"], status["status"], status["vcpu"], status["u"]],
                       [0, 4, 8, 12, 16])
        XCTAssertEqual(StatusArguments.size, status.size)
        XCTAssertEqual(status.size, 24)
    }

    func testCommandNumbers() {
        let expected: [(EventChannelCommand, UInt32)] = [
            (.bindInterdomain, 0), (.bindVirq, 1), (.bindPirq, 2), (.close, 3), (.send, 4), (.status, 5),
            (.allocUnbound, 6), (.bindIPI, 7), (.bindVCPU, 8), (.unmask, 9), (.reset, 10),
            (.initControl, 11), (.expandArray, 12), (.setPriority, 13),
        ]
        for (command, number) in expected { XCTAssertEqual(command.rawValue, number, "\(command)") }
        XCTAssertEqual(Hypercall.eventChannelOp.rawValue, 32)
        XCTAssertEqual(EventChannelABI.domainSelf, 0x7FF0)
        XCTAssertEqual(EventChannelStatusCode.closed.rawValue, 0)
        XCTAssertEqual(EventChannelStatusCode.unbound.rawValue, 1)
        XCTAssertEqual(EventChannelStatusCode.interdomain.rawValue, 2)
        XCTAssertEqual(EventChannelStatusCode.virq.rawValue, 4)
        XCTAssertEqual(VirtualIRQ.count, 24)
        XCTAssertFalse(VirtualIRQ.isGlobal(VirtualIRQ.timer))
        XCTAssertFalse(VirtualIRQ.isGlobal(VirtualIRQ.debug))
        XCTAssertTrue(VirtualIRQ.isGlobal(VirtualIRQ.console))
        XCTAssertTrue(VirtualIRQ.isGlobal(16), "ARM arch VIRQs are global")
        XCTAssertNil(EventChannelCommand.bindIPI.argumentSize, "unimplemented: no bytes needed")
        XCTAssertEqual(EventChannelCommand.status.argumentSize, 24)
    }

    func testDecodeReadsInFieldsAtTheirOffsets() {
        let allocBytes = eventLE16(0x7FF0) + eventLE16(0x0003) + eventLE32(0xDEAD_BEEF)
        let (alloc, _) = withEventArguments(allocBytes) { AllocUnboundArguments.decode($0) }
        XCTAssertEqual(unwrapEvent(alloc), AllocUnboundArguments(domain: 0x7FF0, remoteDomain: 3, port: 0xDEAD_BEEF))

        let bindBytes = eventLE16(0x0102) + [0xEE, 0xEE] + eventLE32(0x0A0B_0C0D) + eventLE32(7)
        let (bind, _) = withEventArguments(bindBytes) { BindInterdomainArguments.decode($0) }
        XCTAssertEqual(unwrapEvent(bind), BindInterdomainArguments(remoteDomain: 0x0102, remotePort: 0x0A0B_0C0D, localPort: 7))

        let virqBytes = eventLE32(2) + eventLE32(0) + eventLE32(0)
        let (virq, _) = withEventArguments(virqBytes) { BindVirqArguments.decode($0) }
        XCTAssertEqual(unwrapEvent(virq), BindVirqArguments(virq: 2, vcpu: 0))

        let statusBytes = eventLE16(5) + [0xAA, 0xAA] + eventLE32(9) + [UInt8](repeating: 0xCC, count: 16)
        let (status, _) = withEventArguments(statusBytes) { StatusArguments.decode($0) }
        XCTAssertEqual(unwrapEvent(status), StatusArguments(domain: 5, port: 9))
    }

    func testShortBuffersAreFaults() {
        assertEventError(withEventArguments([UInt8](repeating: 0, count: 7)) { AllocUnboundArguments.decode($0) }.0, .fault)
        assertEventError(withEventArguments([UInt8](repeating: 0, count: 11)) { BindInterdomainArguments.decode($0) }.0, .fault)
        assertEventError(withEventArguments([UInt8](repeating: 0, count: 11)) { BindVirqArguments.decode($0) }.0, .fault)
        assertEventError(withEventArguments([UInt8](repeating: 0, count: 3)) { PortArgument.decode($0) }.0, .fault)
        assertEventError(withEventArguments([UInt8](repeating: 0, count: 23)) { StatusArguments.decode($0) }.0, .fault)
        let status = EventChannelStatus(code: .closed, vcpu: 0, binding: .none)
        assertEventError(withEventArguments([UInt8](repeating: 0, count: 23)) { StatusArguments.encode(status, into: $0) }.0, .fault)
        assertEventError(withEventArguments([UInt8](repeating: 0, count: 7)) {
            AllocUnboundArguments(domain: 0, remoteDomain: 0, port: 1).encode(into: $0)
        }.0, .fault)
    }

    func testEncodeWritesOnlyOutFields() {
        let filler = [UInt8](repeating: 0x55, count: 12)
        let (_, alloc) = withEventArguments(Array(filler.prefix(8))) {
            AllocUnboundArguments(domain: 1, remoteDomain: 2, port: 0x0403_0201).encode(into: $0)
        }
        XCTAssertEqual(alloc, [0x55, 0x55, 0x55, 0x55, 1, 2, 3, 4])
        let (_, bind) = withEventArguments(filler) {
            BindInterdomainArguments(remoteDomain: 1, remotePort: 2, localPort: 0x11).encode(into: $0)
        }
        XCTAssertEqual(bind, [UInt8](repeating: 0x55, count: 8) + [0x11, 0, 0, 0])
        let (_, virq) = withEventArguments(filler) { BindVirqArguments(virq: 1, vcpu: 0, port: 0x22).encode(into: $0) }
        XCTAssertEqual(virq, [UInt8](repeating: 0x55, count: 8) + [0x22, 0, 0, 0])
    }

    func testStatusEncodingOfEachUnionMember() {
        let header = [UInt8](repeating: 0x77, count: 8)
        let union = [UInt8](repeating: 0x99, count: 16)
        func encoded(_ status: EventChannelStatus) -> [UInt8] {
            withEventArguments(header + union) { StatusArguments.encode(status, into: $0) }.1
        }
        XCTAssertEqual(encoded(EventChannelStatus(.free)),
                       header + eventLE32(0) + eventLE32(0) + [UInt8](repeating: 0x99, count: 8))
        XCTAssertEqual(encoded(EventChannelStatus(.unbound(remoteDomain: 0x0102))),
                       header + eventLE32(1) + eventLE32(0) + [0x02, 0x01] + [UInt8](repeating: 0x99, count: 6))
        XCTAssertEqual(encoded(EventChannelStatus(.interdomain(remoteDomain: 3, remotePort: 0x0506_0708))),
                       header + eventLE32(2) + eventLE32(0) + [3, 0, 0x99, 0x99, 8, 7, 6, 5])
        XCTAssertEqual(encoded(EventChannelStatus(.virq(VirtualIRQ.console, vcpu: 0))),
                       header + eventLE32(4) + eventLE32(0) + eventLE32(2) + [0x99, 0x99, 0x99, 0x99])
    }
}
