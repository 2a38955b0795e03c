// event_channel_op (hypercall 32) from argument bytes to result: decode the
// sub-operation's structure, run it on the table, encode the OUT fields. The
// hypervisor validates the guest range [r1, r1 + argumentSize) first and
// hands those bytes over; it puts `registerValue` in r0 and injects the
// upcall PPI for `notification`.

/// What one event_channel_op hypercall produced.
public struct EventChannelOutcome: Equatable, Sendable {
    /// 0 or -errno, as the guest sees it in r0.
    public var result: Int32
    /// The VCPU to interrupt with the event upcall, if any.
    public var notification: EventNotification?

    public init(result: Int32, notification: EventNotification? = nil) {
        self.result = result
        self.notification = notification
    }

    public static func failure(_ error: XenError) -> EventChannelOutcome {
        EventChannelOutcome(result: -error.rawValue)
    }

    public var registerValue: UInt32 { UInt32(bitPattern: result) }
}

extension EventChannelTable {
    /// Runs sub-operation `command` for `caller` on `arguments` (the guest's
    /// argument structure). Unknown and unimplemented sub-operations are
    /// -ENOSYS; a buffer shorter than the structure is -EFAULT.
    public mutating func perform(command: UInt32, caller: UInt16, arguments: UnsafeMutableRawBufferPointer)
        -> EventChannelOutcome
    {
        guard let operation = EventChannelCommand(rawValue: command), operation.argumentSize != nil else {
            return .failure(.notImplemented)
        }
        switch operation {
        case .allocUnbound:
            return performAllocUnbound(caller, arguments)
        case .bindInterdomain:
            return performBindInterdomain(caller, arguments)
        case .bindVirq:
            return performBindVirq(caller, arguments)
        case .close:
            return performOnPort(arguments) { table, port in
                table.close(caller: caller, port: port).map { nil }
            }
        case .send:  // every notification: decoded here, without the closure of `performOnPort`
            guard arguments.count >= PortArgument.size else { return .failure(.fault) }
            switch send(caller: caller, port: EventArgumentBytes.uint32(arguments, at: 0)) {
            case .failure(let error): return .failure(error)
            case .success(let notification): return EventChannelOutcome(result: 0, notification: notification)
            }
        case .unmask:
            return performOnPort(arguments) { table, port in table.unmask(caller: caller, port: port) }
        case .status:
            return performStatus(caller, arguments)
        case .bindVCPU:
            guard arguments.count >= EventChannelTable.bindVCPUArgumentSize else { return .failure(.fault) }
            let port = EventArgumentBytes.uint32(arguments, at: 0), vcpu = EventArgumentBytes.uint32(arguments, at: 4)
            return Self.outcome(bindVCPU(caller: caller, port: port, vcpu: vcpu), nil)
        case .bindPirq, .bindIPI, .reset, .initControl, .expandArray, .setPriority:
            return .failure(.notImplemented)
        }
    }

    private mutating func performAllocUnbound(_ caller: UInt16, _ bytes: UnsafeMutableRawBufferPointer)
        -> EventChannelOutcome
    {
        switch AllocUnboundArguments.decode(bytes) {
        case .failure(let error): return .failure(error)
        case .success(var arguments):
            switch allocateUnbound(caller: caller, domain: arguments.domain, remoteDomain: arguments.remoteDomain) {
            case .failure(let error): return .failure(error)
            case .success(let port):
                arguments.port = port
                return Self.outcome(arguments.encode(into: bytes), nil)
            }
        }
    }

    private mutating func performBindInterdomain(_ caller: UInt16, _ bytes: UnsafeMutableRawBufferPointer)
        -> EventChannelOutcome
    {
        switch BindInterdomainArguments.decode(bytes) {
        case .failure(let error): return .failure(error)
        case .success(var arguments):
            switch bindInterdomain(caller: caller, remoteDomain: arguments.remoteDomain,
                                   remotePort: arguments.remotePort) {
            case .failure(let error): return .failure(error)
            case .success(let binding):
                arguments.localPort = binding.localPort
                return Self.outcome(arguments.encode(into: bytes), binding.notification)
            }
        }
    }

    private mutating func performBindVirq(_ caller: UInt16, _ bytes: UnsafeMutableRawBufferPointer)
        -> EventChannelOutcome
    {
        switch BindVirqArguments.decode(bytes) {
        case .failure(let error): return .failure(error)
        case .success(var arguments):
            guard VirtualIRQ.isRaisedByApus(arguments.virq) else { return .failure(.invalid) }
            switch bindVirq(caller: caller, virq: arguments.virq, vcpu: arguments.vcpu) {
            case .failure(let error): return .failure(error)
            case .success(let port):
                arguments.port = port
                return Self.outcome(arguments.encode(into: bytes), nil)
            }
        }
    }

    private mutating func performStatus(_ caller: UInt16, _ bytes: UnsafeMutableRawBufferPointer) -> EventChannelOutcome {
        switch StatusArguments.decode(bytes) {
        case .failure(let error): return .failure(error)
        case .success(let arguments):
            switch status(caller: caller, domain: arguments.domain, port: arguments.port) {
            case .failure(let error): return .failure(error)
            case .success(let status): return Self.outcome(StatusArguments.encode(status, into: bytes), nil)
            }
        }
    }

    private mutating func performOnPort(
        _ bytes: UnsafeMutableRawBufferPointer,
        _ operation: (inout EventChannelTable, UInt32) -> Result<EventNotification?, XenError>
    ) -> EventChannelOutcome {
        switch PortArgument.decode(bytes) {
        case .failure(let error): return .failure(error)
        case .success(let argument):
            switch operation(&self, argument.port) {
            case .failure(let error): return .failure(error)
            case .success(let notification): return EventChannelOutcome(result: 0, notification: notification)
            }
        }
    }

    private static func outcome(_ written: Result<Void, XenError>, _ notification: EventNotification?)
        -> EventChannelOutcome
    {
        switch written {
        case .failure(let error): return .failure(error)
        case .success: return EventChannelOutcome(result: 0, notification: notification)
        }
    }
}
