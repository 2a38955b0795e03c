import HVRegs
import HypervisorCore

/// Boot-time plumbing shared by the split drivers (docs/CONSOLE.md,
/// docs/BLOCK.md): a page of a front end's RAM granted to the back end under
/// a fixed grant reference and mapped into the back end's grant window, and
/// an event channel bound between the two. The configuration check makes
/// every step succeed, so a failure is a hypervisor bug.
enum BackendPlumbing {
    /// The guest frame, in the back end's grant window, of window page `index`.
    static func windowFrame(_ index: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: GuestMemoryMap.grantWindow.base.value &>> 12) &+ UInt32(truncatingIfNeeded: index)
    }

    /// Zeroes `frontend`'s page at guest address `page`, grants it read-write
    /// to `backend` as entry `reference` of the front end's grant table, and
    /// maps it into the back end at guest frame `backendFrame`.
    static func share(page: UInt32, of frontend: Int, config: SystemConfig, reference: UInt32,
                      with backend: Int, at backendFrame: UInt32) {
        guard let bytes = Machines.guestBytes(vm: frontend, address: page, length: 4096)
        else { Panic.halt("a shared page lies outside its VM") }
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        grant(page: page, of: frontend, config: config, reference: reference, to: backend)
        guard var stage2 = Machines.table[backend].stage2 else { Panic.halt("a back end has no stage 2") }
        let request = GrantMapRequest(hostAddress: UInt64(widening: backendFrame) &<< 12, flags: GrantMapFlags.hostMap,
                                      reference: reference, domain: DomainID(truncatingIfNeeded: frontend))
        do {
            _ = try EventAndGrantTables.grants.map(request, by: DomainID(truncatingIfNeeded: backend), stage2: &stage2)
        } catch {
            Panic.halt("could not map a shared page into its back end")
        }
        Machines.table[backend].stage2 = stage2
    }

    /// Writes entry `reference` of `frontend`'s grant table: `page` granted
    /// read-write to `backend` (at boot, and again when the front end restarts
    /// with its table cleared; the back end's mapping of the page stays).
    static func grant(page: UInt32, of frontend: Int, config: SystemConfig, reference: UInt32, to backend: Int) {
        let tableAddress = UInt32(truncatingIfNeeded: GrantLayout(vm: config.vms[frontend]).table.value)
        let entryOffset = reference &* 8  // grant_entry_v1: flags u16 @0, domid u16 @2, frame u32 @4
        guard let entry = Machines.guestBytes(vm: frontend, address: tableAddress &+ entryOffset, length: 8)?.baseAddress
        else { Panic.halt("a grant entry lies outside its VM") }
        entry.advanced(by: 4).assumingMemoryBound(to: UInt32.self).pointee = page &>> 12
        entry.advanced(by: 2).assumingMemoryBound(to: UInt16.self).pointee = DomainID(truncatingIfNeeded: backend)
        entry.assumingMemoryBound(to: UInt16.self).pointee = GrantEntryFlags.permitAccess
    }

    /// An event channel bound between the two: (front end's port, back end's port).
    static func bind(frontend: Int, backend: Int) -> (frontend: UInt32, backend: UInt32) {
        let frontendID = DomainID(truncatingIfNeeded: frontend)
        let backendID = DomainID(truncatingIfNeeded: backend)
        guard case .success(let port) = EventAndGrantTables.events.allocateUnbound(
                caller: frontendID, domain: frontendID, remoteDomain: backendID),
              case .success(let binding) = EventAndGrantTables.events.bindInterdomain(
                caller: backendID, remoteDomain: frontendID, remotePort: port)
        else { Panic.halt("could not bind a back end's event channel") }
        return (port, binding.localPort)
    }

    /// A restarted front end's new port, bound again to the back end's same
    /// `backendPort` (left unbound, reserved for it, when its ports closed).
    static func rebind(frontend: Int, backend: Int, backendPort: UInt32) -> UInt32 {
        guard case .success(let binding) = EventAndGrantTables.events.bindInterdomain(
                caller: DomainID(truncatingIfNeeded: frontend), remoteDomain: DomainID(truncatingIfNeeded: backend),
                remotePort: backendPort)
        else { Panic.halt("could not bind a restarted front end to its back end again") }
        return binding.localPort
    }
}
