import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// QEMU's instruction count while a run goes on, read over QMP
/// (`query-replay` answers it whenever -icount is on). Under
/// `-icount shift=0` one instruction is one nanosecond of virtual time, so
/// this is the guests' clock as seen from outside.
final class QMPInstructionCount {
    private let socket: Int32
    private var pending = Data()

    /// A fresh socket path for QEMU's `-qmp unix:PATH,server=on,wait=off`.
    static func socketPath() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("apus-qmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))").path
    }

    /// Connects to QEMU's QMP socket at `path` (retrying while QEMU starts)
    /// and leaves capability negotiation; nil when that fails.
    init?(path: String, within seconds: TimeInterval = 10) {
        let deadline = Date().addingTimeInterval(seconds)
        var connected: Int32 = -1
        while connected < 0, Date() < deadline {
            let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result == 0 {
                connected = fd
            } else {
                Glibc.close(fd)
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard connected >= 0 else { return nil }
        socket = connected
        // A reply that never comes must not hang the test: 5 s per read.
        var wait = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        guard readMessage(containing: "\"QMP\"") != nil,
              send(#"{"execute":"qmp_capabilities"}"#), readMessage(containing: "\"return\"") != nil
        else {
            Glibc.close(socket)
            return nil
        }
    }

    deinit { Glibc.close(socket) }

    /// Instructions executed so far; nil when QEMU does not answer (it exited).
    func instructions() -> UInt64? {
        guard send(#"{"execute":"query-replay"}"#),
              let reply = readMessage(containing: "\"return\""),
              let object = try? JSONSerialization.jsonObject(with: reply) as? [String: Any],
              let answer = object["return"] as? [String: Any],
              let count = answer["icount"] as? NSNumber
        else { return nil }
        return count.uint64Value
    }

    private func send(_ command: String) -> Bool {
        let bytes = Array((command + "\n").utf8)
        return bytes.withUnsafeBytes { Glibc.write(socket, $0.baseAddress, $0.count) } == bytes.count
    }

    /// The next line-terminated JSON message containing `marker` (events are skipped).
    private func readMessage(containing marker: String) -> Data? {
        while true {
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending.removeSubrange(pending.startIndex...newline)
                if String(decoding: line, as: UTF8.self).contains(marker) { return Data(line) }
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(socket, $0.baseAddress, $0.count) }
            guard count > 0 else { return nil }
            pending.append(contentsOf: buffer[0..<count])
        }
    }
}
