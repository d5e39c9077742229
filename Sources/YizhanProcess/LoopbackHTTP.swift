import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain, blocking HTTP/1.1 exchange with a server on this machine (or an IPv4 address):
/// what tests, the benchmark and the CLI need to drive the service, without URLSession.
public enum LoopbackHTTP {
    public struct Reply: Sendable {
        public let status: Int
        public let body: String
    }

    /// Nil when nothing answers on the port or the reply is not HTTP.
    /// `host`: an IPv4 address; the service's own HTTP address for the CLI, loopback otherwise.
    public static func request(_ method: String = "GET", host: String = "127.0.0.1", port: Int, path: String,
                               body: String? = nil, headers: [String: String] = [:], timeoutSeconds: Int = 10) -> Reply? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return nil }
            sent += n
        }
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        return parse(data)
    }

    static func parse(_ data: [UInt8]) -> Reply? {
        let text = String(decoding: data, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headerEnd.lowerBound]
        let parts = (head.split(separator: "\r\n").first ?? "").split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var body = String(text[headerEnd.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return Reply(status: status, body: body)
    }

    private static func dechunk(_ s: String) -> String {
        var out: [UInt8] = []
        var rest = Array(s.utf8)[...]
        while let lineEnd = rest.firstRange(of: [0x0D, 0x0A]),
              let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16), size > 0 {
            let start = lineEnd.upperBound
            out += rest[start..<min(start + size, rest.endIndex)]
            rest = rest[min(start + size + 2, rest.endIndex)...]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
