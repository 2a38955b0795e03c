// The grant_table_op hypercall (number 20) over a batch of argument structs:
// decode each struct, decide, encode its status and outputs back in place.
// A batch is bounded: at most `operationsPerCall` structs are handled per
// trap, so a guest cannot hold the CPU in the hypervisor for long (a real-time
// VM may be waiting). When more remain the outcome says so and the hypervisor
// restarts the hypercall Xen-style: r1 advanced past the `done` structs
// (`continuationAddress`), r2 set to `remaining`, and the HVC executed again
// (return address moved back by one instruction), so the guest sees a single
// call: every struct handled once, in order, each status written.
//
// How the hypervisor calls it (r0 = command, r1 = guest address, r2 = count):
//   guard let bytes = GrantTables.argumentBytes(command: r0, count: r2) else { r0 = -ENOSYS }
//   validate [r1, r1 + bytes) in the caller's RAM and make a buffer of it
//   let outcome = grants.perform(command: r0, arguments: buffer, count: r2, caller: vm,
//                                stage2: &stage2[vm]) { address, length in buffer-or-nil }
//   if outcome.invalidateTLB { invalidate the caller VMID's TLB entries }
//   if outcome.remaining > 0 {
//       r1 = GrantTables.continuationAddress(command: r0, address: r1, done: outcome.done)
//       r2 = outcome.remaining; pc -= 4
//   } else { r0 = outcome.result }

public struct GrantOpOutcome: Equatable, Sendable {
    /// The value for r0 (0, or a negated errno) once `remaining` is 0.
    public var result: Int32
    /// Structs handled in this call.
    public var done: UInt32
    /// Structs still to handle; > 0 means "restart the hypercall".
    public var remaining: UInt32
    /// A page left the caller's stage 2: invalidate its TLB entries before it runs again.
    public var invalidateTLB: Bool

    public init(result: Int32, done: UInt32, remaining: UInt32, invalidateTLB: Bool) {
        self.result = result
        self.done = done
        self.remaining = remaining
        self.invalidateTLB = invalidateTLB
    }
}

extension GrantTables {
    public static let operationsPerCall: UInt32 = 16

    /// The bytes of guest memory at r1 that `perform` will use for `count` structs
    /// of `command` (one call's share), or nil when the command is not implemented.
    public static func argumentBytes(command: UInt32, count: UInt32) -> Int? {
        guard let command = GrantTableCommand(rawValue: command),
              let size = GrantArgumentLayout.size(of: command) else { return nil }
        return Int(min(count, operationsPerCall)) * size
    }

    /// Where a restarted batch's arguments start: `done` whole structs of
    /// `command` past `address` (the stride is one struct, whatever the count).
    public static func continuationAddress(command: UInt32, address: UInt32, done: UInt32) -> UInt32 {
        guard let command = GrantTableCommand(rawValue: command),
              let size = GrantArgumentLayout.size(of: command) else { return address }
        return address &+ done &* UInt32(truncatingIfNeeded: size)
    }

    /// Xen refuses a count that is negative as a C int (`(int)count < 0`) with -EINVAL.
    public static func isValidCount(_ count: UInt32) -> Bool { count <= UInt32(Int32.max) }

    /// Runs up to `operationsPerCall` of the `count` structs in `arguments` for
    /// `caller`, whose stage 2 is `stage2`. `guestBuffer(address, length)` gives
    /// the caller's memory at a guest address (setup_table's frame list) or nil.
    public mutating func perform(command rawCommand: UInt32, arguments: UnsafeMutableRawBufferPointer, count: UInt32,
                                 caller: DomainID, stage2: inout Stage2Tables,
                                 guestBuffer: (UInt64, Int) -> UnsafeMutableRawBufferPointer?) -> GrantOpOutcome {
        guard let command = GrantTableCommand(rawValue: rawCommand),
              let size = GrantArgumentLayout.size(of: command) else {
            return GrantOpOutcome(result: -XenError.notImplemented.rawValue, done: 0, remaining: 0, invalidateTLB: false)
        }
        let batch = min(count, GrantTables.operationsPerCall)
        guard arguments.count >= Int(batch) * size else {
            return GrantOpOutcome(result: -XenError.fault.rawValue, done: 0, remaining: 0, invalidateTLB: false)
        }
        var invalidate = false
        var index: UInt32 = 0
        while index < batch {
            let s = GuestStruct(arguments, offset: Int(index) * size)
            switch command {
            case .mapGrantRef:
                let request = GrantMapRequest(decoding: s)
                do throws(GrantError) {
                    GrantMapRequest.encode(.success(try map(request, by: caller, stage2: &stage2)), into: s)
                } catch {
                    GrantMapRequest.encode(.failure(error), into: s)
                }
            case .unmapGrantRef:
                do throws(GrantError) {
                    _ = try unmap(GrantUnmapRequest(decoding: s), by: caller, stage2: &stage2)
                    invalidate = true
                    GrantUnmapRequest.encodeStatus(.okay, into: s)
                } catch {
                    GrantUnmapRequest.encodeStatus(error.status, into: s)
                }
            case .copy:
                do throws(GrantError) {
                    let decided = try copy(GrantCopyRequest(decoding: s), by: caller)
                    GrantCopyRequest.encodeStatus(memory.perform(decided) ? .okay : .generalError, into: s)
                } catch {
                    GrantCopyRequest.encodeStatus(error.status, into: s)
                }
            case .setupTable:
                let request = GrantSetupTableRequest(decoding: s)
                do throws(GrantError) {
                    let frame = try setupTable(for: request.domain, frames: request.frames, by: caller)
                    if request.frames > 0 {
                        if let list = guestBuffer(request.frameList, Int(truncatingIfNeeded: request.frames) &* 8) {
                            for i in 0..<Int(truncatingIfNeeded: request.frames) { GuestStruct(list).setU64(i * 8, frame &+ UInt64(clampingNonNegative: i)) }
                            GrantSetupTableRequest.encodeStatus(.okay, into: s)
                        } else {
                            GrantSetupTableRequest.encodeStatus(.badVirtualAddress, into: s)
                        }
                    } else {
                        GrantSetupTableRequest.encodeStatus(.okay, into: s)
                    }
                } catch {
                    GrantSetupTableRequest.encodeStatus(error.status, into: s)
                }
            case .querySize:
                do throws(GrantError) {
                    GrantQuerySize.encode(.success(try querySize(for: GrantQuerySize.domain(s), by: caller)), into: s)
                } catch {
                    GrantQuerySize.encode(.failure(error), into: s)
                }
            default:
                break  // not reached: size(of:) is nil for the rest
            }
            index += 1
        }
        return GrantOpOutcome(result: 0, done: batch, remaining: count - batch, invalidateTLB: invalidate)
    }
}
