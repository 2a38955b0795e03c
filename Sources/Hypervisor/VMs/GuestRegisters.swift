import HVRegs

/// r0-r12 of a trapped guest, by number (the register fields of a syndrome).
/// Typed pointer access: the raw-pointer storeBytes path pulls in 64-bit
/// conversions that -no-allocations rejects on armv7.
extension UnsafeMutablePointer where Pointee == apus_trap_frame {
    func register(_ number: UInt32) -> UInt32 {
        withUnsafeMutablePointer(to: &pointee.r) { tuple in
            tuple.withMemoryRebound(to: UInt32.self, capacity: 13) { $0[Int(number)] }
        }
    }

    func setRegister(_ number: UInt32, _ value: UInt32) {
        withUnsafeMutablePointer(to: &pointee.r) { tuple in
            tuple.withMemoryRebound(to: UInt32.self, capacity: 13) { $0[Int(number)] = value }
        }
    }
}
