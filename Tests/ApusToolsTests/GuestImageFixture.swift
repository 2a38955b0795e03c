import Foundation
import HypervisorCore

/// Guest image files for tests: `size` bytes starting with a guest image header
/// (linked for `loadAddress`, using `footprint` bytes of memory, the file's
/// size unless told), the rest filled with `fill`.
enum GuestImageFixture {
    static func bytes(size: Int = 4096, loadAddress: UInt32 = 0x8000_0000, footprint: Int? = nil, fill: UInt8 = 0xE1) -> Data {
        var bytes = [UInt8](repeating: fill, count: max(size, GuestImageHeader.size))
        let header = GuestImageHeader(loadAddress: loadAddress, footprint: UInt32(footprint ?? bytes.count))
        bytes.withUnsafeMutableBytes { header.write(to: $0) }
        return Data(bytes)
    }
}
