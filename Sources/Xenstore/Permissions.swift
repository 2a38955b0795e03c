// Node permissions as xenstored keeps them: a list whose first entry names
// the owner (who may do everything) and the access everyone else gets; later
// entries grant one domain its own access. The privileged domain (the
// driver domain, standing in for dom0) may do everything everywhere.

/// What a domain may do with a node: a bit set (a plain struct, since an
/// OptionSet's array-literal conformance allocates under Embedded Swift).
public struct XenstoreAccess: Equatable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = XenstoreAccess(rawValue: 1)
    public static let write = XenstoreAccess(rawValue: 2)
    /// Owner: may change the permissions.
    public static let owner = XenstoreAccess(rawValue: 4)
    public static let readWrite = XenstoreAccess(rawValue: 3)
    public static let all = XenstoreAccess(rawValue: 7)
    public static let noAccess = XenstoreAccess(rawValue: 0)

    public func contains(_ other: XenstoreAccess) -> Bool { rawValue & other.rawValue == other.rawValue }
    public func isSuperset(of other: XenstoreAccess) -> Bool { contains(other) }
}

/// One entry of a permission list: a domain and its access (read/write only).
public struct XenstorePermission: Equatable, Sendable {
    public var domain: UInt16
    public var access: XenstoreAccess

    public init(domain: UInt16, access: XenstoreAccess) {
        self.domain = domain
        self.access = access
    }

    /// Parses "r5", "w0", "b3", "n12" (xenstored's letters: read, write, both, none).
    public init?(parsing text: Bytes) {
        guard text.count >= 2, let number = text.dropFirst(1).decimalValue, number <= UInt32(UInt16.max)
        else { return nil }
        switch text[0] {
        case 0x72: access = .read  // r
        case 0x77: access = .write  // w
        case 0x62: access = .readWrite  // b
        case 0x6E: access = .noAccess  // n
        default: return nil
        }
        domain = UInt16(number)
    }

    /// Appends the text form ("r5").
    public func append(to writer: inout ByteWriter) {
        let letter: UInt8
        switch (access.contains(.read), access.contains(.write)) {
        case (true, true): letter = 0x62
        case (true, false): letter = 0x72
        case (false, true): letter = 0x77
        case (false, false): letter = 0x6E
        }
        writer.append(letter)
        writer.appendDecimal(UInt32(domain))
    }
}

extension Xenstore {
    /// What `domain` may do with a node whose permission list is `list`.
    func access(of domain: UInt16, _ list: UnsafePointer<XenstorePermission>, count: Int) -> XenstoreAccess {
        if domain == privilegedDomain || domain == list[0].domain { return .all }
        for index in 1..<max(count, 1) where list[index].domain == domain { return list[index].access }
        return list[0].access
    }

    func access(of domain: UInt16, slot: Int) -> XenstoreAccess {
        access(of: domain, UnsafePointer(permissions(of: slot)), count: Int(nodes[slot].permissionCount))
    }

    func isPrivileged(_ domain: UInt16) -> Bool { domain == privilegedDomain }
}
