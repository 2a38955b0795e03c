// GNTTABOP_map_grant_ref and GNTTABOP_unmap_grant_ref for one request each.
// Order of checks follows Xen where it matters to the guest (flags, domain,
// maptrack, reference, entry); the host address is checked before the entry.

extension GrantTables {
    /// Maps grant `request.reference` of `request.domain` at `request.hostAddress`
    /// in `caller`'s stage 2 (`stage2` must be the caller's tables).
    public mutating func map(_ request: GrantMapRequest, by caller: DomainID,
                             stage2: inout Stage2Tables) throws(GrantError) -> GrantMapping {
        if request.flags & (GrantMapFlags.deviceMap | GrantMapFlags.applicationMap | GrantMapFlags.containsPTE) != 0 {
            throw .unsupportedMapFlags
        }
        guard request.flags & GrantMapFlags.hostMap != 0 else { throw .noHostMap }
        guard isPresent(caller) else { throw .badDomain }
        let granter = request.domain
        guard isPresent(granter) else { throw .badDomain }
        guard let slot = domains[Int(caller)].maptrack.freeSlot() else { throw .maptrackFull }
        let entry = try entry(granter: granter, reference: request.reference)

        let host = GuestPhysicalAddress(request.hostAddress)
        guard host.value % PageSize.small == 0 else { throw .hostAddressMisaligned }
        guard domains[Int(caller)].layout.window.contains(host) else { throw .hostAddressOutsideWindow }
        guard stage2.translate(host) == nil, !domains[Int(caller)].maptrack.isMapped(at: host) else {
            throw .hostAddressInUse
        }

        let writable = request.flags & GrantMapFlags.readOnly == 0
        let frame = try checkGrant(entry, granter: granter, grantee: caller, write: writable)
        if mappedByOther(than: caller, granter: granter, reference: request.reference) { throw .mappedByAnotherDomain }
        let pins = domains[Int(caller)].maptrack.pins(granter: granter, reference: request.reference)
        if pins.mapped && pins.frame != frame { throw .frameChangedWhileMapped }

        do {
            try stage2.mapPage(host, to: frame, attributes: writable ? GrantTables.readWriteAttributes : GrantTables.readOnlyAttributes)
        } catch {
            throw .stage2Refused
        }
        if let address = entryAddress(granter: granter, reference: request.reference) {
            memory.updateEntryFlags(at: address, set: GrantEntryFlags.reading | (writable ? GrantEntryFlags.writing : 0), clear: 0)
        }
        domains[Int(caller)].maptrack.slots[slot] = MaptrackEntry(
            inUse: true, writable: writable, granter: granter, reference: request.reference, hostAddress: host, frame: frame)
        return GrantMapping(handle: UInt32(truncatingIfNeeded: slot), hostAddress: host, frame: frame, writable: writable)
    }

    /// Unmaps the caller's mapping `request.handle`, which must be at
    /// `request.hostAddress`. The caller's TLB must be invalidated afterwards.
    public mutating func unmap(_ request: GrantUnmapRequest, by caller: DomainID,
                               stage2: inout Stage2Tables) throws(GrantError) -> GrantUnmapping {
        guard isPresent(caller) else { throw .badDomain }
        guard let mapping = domains[Int(caller)].maptrack.entry(request.handle) else { throw .badHandle }
        guard request.hostAddress == mapping.hostAddress.value else { throw .hostAddressMismatch }
        guard request.deviceAddress == 0 || request.deviceAddress == mapping.frame.value else { throw .deviceAddressMismatch }

        stage2.unmapPage(mapping.hostAddress)
        domains[Int(caller)].maptrack.slots[Int(request.handle)] = .free
        // A revoked mapping held a stand-in page: the granter's entry is its new incarnation's.
        if mapping.revoked { return GrantUnmapping(hostAddress: mapping.hostAddress, frame: mapping.frame) }
        let pins = domains[Int(caller)].maptrack.pins(granter: mapping.granter, reference: mapping.reference)
        if isPresent(mapping.granter), let address = entryAddress(granter: mapping.granter, reference: mapping.reference) {
            let clear = (pins.writable ? 0 : GrantEntryFlags.writing) | (pins.mapped ? 0 : GrantEntryFlags.reading)
            memory.updateEntryFlags(at: address, set: 0, clear: clear)
        }
        return GrantUnmapping(hostAddress: mapping.hostAddress, frame: mapping.frame)
    }
}

extension GrantTables {
    /// Unmaps every grant `caller` holds (the VM restarts): each page leaves
    /// its grant window and the granters' entries lose the flags its mappings
    /// held, as if it had unmapped them one by one. Returns how many there were.
    public mutating func unmapAll(by caller: DomainID, stage2: inout Stage2Tables) -> Int {
        guard isPresent(caller) else { return 0 }
        var count = 0
        for handle in 0..<UInt32(Maptrack.capacity) {
            guard let mapping = domains[Int(caller)].maptrack.entry(handle) else { continue }
            do throws(GrantError) {
                _ = try unmap(GrantUnmapRequest(hostAddress: mapping.hostAddress.value, handle: handle), by: caller, stage2: &stage2)
                count += 1
            } catch {}
        }
        return count
    }
}

extension GrantTables {
    /// `granter` restarts and its memory is about to be cleared and reused:
    /// every page of it that `mapper` has mapped, except the pages `kept`
    /// says survive the restart, is taken back. The mapping's stage-2 page
    /// then maps `standIn` (a page of nobody's, read-write) instead, so the
    /// mapper's accesses land there rather than in the new incarnation's
    /// memory, and its handle stays valid until it unmaps it, which then
    /// touches nothing of the granter's. The stand-in gets a copy of the page
    /// it replaces (the last one, if several), so a back end still serving an
    /// old ring finds it as it was rather than indices it would take for an
    /// overrun; what it answers there reaches nobody. The mapper's TLB must be invalidated
    /// afterwards. Returns how many mappings were revoked.
    public mutating func revoke(granter: DomainID, mappedBy mapper: DomainID, standIn: PhysicalAddress,
                                keeping kept: (PhysicalAddress) -> Bool, stage2: inout Stage2Tables) -> Int {
        guard isPresent(mapper), mapper != granter else { return 0 }
        var count = 0
        for slot in 0..<Maptrack.capacity {
            let mapping = domains[Int(mapper)].maptrack.slots[slot]
            guard mapping.inUse, !mapping.revoked, mapping.granter == granter, !kept(mapping.frame) else { continue }
            if let from = memory.pointer(mapping.frame, length: 4096), let to = memory.pointer(standIn, length: 4096) {
                to.copyMemory(from: from, byteCount: 4096)
            }
            stage2.unmapPage(mapping.hostAddress)
            do {
                try stage2.mapPage(mapping.hostAddress, to: standIn, attributes: GrantTables.readWriteAttributes)
            } catch {
                // The page was just unmapped and its tables are reserved: left unmapped, still nothing of the granter's.
            }
            domains[Int(mapper)].maptrack.slots[slot].revoked = true
            domains[Int(mapper)].maptrack.slots[slot].frame = standIn
            count += 1
        }
        return count
    }
}
