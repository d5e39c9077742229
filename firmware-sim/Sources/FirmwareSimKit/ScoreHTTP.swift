import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The blocking HTTP/1.1 GET that `score` needs to read the service's API: host names and
/// IPv6 through getaddrinfo, `Connection: close`, Content-Length or chunked replies.
/// (Kept here rather than using YizhanProcess's LoopbackHTTP, which takes IPv4 addresses only
/// and is not a dependency of FirmwareSimKit.)
enum ScoreHTTP {
    struct Endpoint: Sendable, Equatable {
        var host: String
        var port: Int
        /// Path prefix without a trailing slash ("" or e.g. "/yizhan").
        var basePath: String

        var display: String {
            let h = host.contains(":") ? "[\(host)]" : host
            return "http://\(h):\(port)\(basePath)"
        }
    }

    /// `http://HOST[:PORT][/PATH]`, or the same without the scheme. Port 80 by default.
    /// HOST: a name, an IPv4 address or a bracketed IPv6 address.
    static func parse(_ text: String) -> Result<Endpoint, ScoreError> {
        var rest = Substring(text)
        if let r = rest.range(of: "://") {
            let scheme = rest[..<r.lowerBound].lowercased()
            guard scheme == "http" else {
                return .failure(ScoreError("\"\(text)\": only http:// is supported"))
            }
            rest = rest[r.upperBound...]
        }
        let authority: Substring
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = String(rest[slash...])
        } else {
            authority = rest
        }
        if path.contains("?") || path.contains("#") {
            return .failure(ScoreError("\"\(text)\": expected http://HOST:PORT without a query"))
        }
        while path.hasSuffix("/") { path.removeLast() }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(ScoreError("\"\(text)\": unclosed [ in the host"))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(ScoreError("\"\(text)\": expected :PORT after ]")) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty, !host.contains("@") else {
            return .failure(ScoreError("\"\(text)\": expected http://HOST:PORT"))
        }
        var port = 80
        if let portText {
            guard let p = Int(portText), (1...65_535).contains(p) else {
                return .failure(ScoreError("\"\(text)\": the port must be 1 to 65535"))
            }
            port = p
        }
        return .success(Endpoint(host: String(host), port: port, basePath: path))
    }

    struct Reply: Sendable {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// GET `path` (with its query; already percent-encoded). Throws when nothing answers or
    /// the reply is not HTTP; any status is returned.
    static func get(_ endpoint: Endpoint, path: String, headers: [(String, String)] = [],
                    timeoutSeconds: Int = 30) throws(ScoreError) -> Reply {
        let fd = try openConnection(endpoint, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        var request = "GET \(endpoint.basePath)\(path) HTTP/1.1\r\n"
        let hostHeader = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        request += "Host: \(hostHeader):\(endpoint.port)\r\nConnection: close\r\nAccept: application/json\r\n"
        for (k, v) in headers { request += "\(k): \(v)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw ScoreError("\(endpoint.display): sending the request failed: \(errnoText())") }
            sent += n
        }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    throw ScoreError("\(endpoint.display)\(path): no complete reply within \(timeoutSeconds) s")
                }
                throw ScoreError("\(endpoint.display)\(path): reading the reply failed: \(errnoText())")
            }
            data.append(contentsOf: buf[0..<n])
        }
        guard let reply = parseReply(data) else {
            throw ScoreError("\(endpoint.display)\(path): the reply is not HTTP (or was cut short)")
        }
        return reply
    }

    static func openConnection(_ endpoint: Endpoint, timeoutSeconds: Int) throws(ScoreError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard rc == 0, let first = list else {
            throw ScoreError("\(endpoint.display): cannot resolve \(endpoint.host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            cursor = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if fd < 0 { lastError = errno; continue }
            // On Linux SO_SNDTIMEO bounds connect() too.
            var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            if connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 { return fd }
            lastError = errno
            close(fd)
        }
        let why = lastError == ECONNREFUSED ? "nothing listens there (connection refused)"
            : String(cString: strerror(lastError))
        throw ScoreError("cannot reach the service at \(endpoint.display): \(why)")
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func parseReply(_ data: [UInt8]) -> Reply? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = data.firstRange(of: separator) else { return nil }
        let head = String(decoding: data[..<headEnd.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = (lines.first ?? "").split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else { return nil }
        var contentLength: Int?
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { contentLength = Int(value) }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        let rest = Array(data[headEnd.upperBound...])
        if chunked {
            guard let body = dechunk(rest) else { return nil }
            return Reply(status: status, body: body)
        }
        if let contentLength {
            guard rest.count >= contentLength else { return nil }
            return Reply(status: status, body: Array(rest.prefix(contentLength)))
        }
        return Reply(status: status, body: rest)
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var rest = bytes[...]
        while true {
            guard let lineEnd = rest.firstRange(of: [13, 10]) else { return nil }
            let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size >= 0 else { return nil }
            if size == 0 { return out }
            let start = lineEnd.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size + 2 else { return nil }
            let stop = rest.index(start, offsetBy: size)
            out += rest[start..<stop]
            rest = rest[rest.index(stop, offsetBy: 2)...]
        }
    }

    /// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
    static func queryValue(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = String(b, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}
