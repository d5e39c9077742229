#if canImport(Glibc)
import Glibc
#endif

/// A numeric socket address to listen on. Only literals and "localhost" are
/// accepted: a listening service should not depend on DNS at start-up, and
/// "localhost" is pinned to 127.0.0.1 because resolvers disagree on whether it
/// is ::1 first.
struct ListenAddress {
    enum Storage {
        case v4(sockaddr_in)
        case v6(sockaddr_in6)
    }

    let host: String
    let port: UInt16
    let storage: Storage

    init(host: String, port: UInt16) throws(HTTPServerError) {
        self.host = host
        self.port = port
        let literal = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, literal, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            storage = .v4(v4)
        } else if inet_pton(AF_INET6, literal, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            storage = .v6(v6)
        } else {
            throw .invalidAddress(host, reason:
                "not a numeric IPv4/IPv6 address or \"localhost\" (host names are not resolved)")
        }
    }

    var family: Int32 {
        switch storage {
        case .v4: AF_INET
        case .v6: AF_INET6
        }
    }

    /// "::" is the one wildcard that should also take IPv4, as "all addresses".
    var isIPv6Wildcard: Bool {
        if case .v6(var addr) = storage {
            var any = in6addr_any
            return memcmp(&addr.sin6_addr, &any, MemoryLayout<in6_addr>.size) == 0
        }
        return false
    }

    /// The form users write and error messages show: `127.0.0.1:8080`, `[::1]:8080`.
    static func display(host: String, port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    var display: String { Self.display(host: host, port: port) }

    func withSocketAddress<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch storage {
        case .v4(var addr):
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(var addr):
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// Splits `HOST:PORT`, `[V6]:PORT` or `:PORT` (meaning 0.0.0.0) and checks the
    /// host can be listened on, so configuration errors surface before start-up.
    static func parse(_ input: String) throws(HTTPServerError) -> (host: String, port: UInt16) {
        let text = input.trimmingSpaces()
        func fail(_ reason: String) -> HTTPServerError { .invalidAddress(input, reason: reason) }
        guard !text.isEmpty else { throw fail("empty; expected HOST:PORT such as 127.0.0.1:8080") }

        let host: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw fail("missing \"]\" after the IPv6 address")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw fail("expected \":PORT\" after \"]\", as in [::1]:8080")
            }
            portText = rest.dropFirst()
            guard host.contains(":") else { throw fail("brackets are only for IPv6 addresses") }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw fail("missing port; expected HOST:PORT such as 127.0.0.1:8080")
            }
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                throw fail("an IPv6 address needs brackets, as in [::1]:8080")
            }
        }
        guard !portText.isEmpty else { throw fail("missing port after \":\"") }
        guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5,
              let port = UInt16(portText) else {
            throw fail("port \"\(portText)\" is not a number from 0 to 65535")
        }
        let effectiveHost = host.isEmpty ? "0.0.0.0" : host
        do {
            _ = try ListenAddress(host: effectiveHost, port: port)
        } catch {
            throw fail("host \"\(effectiveHost)\" is not a numeric IPv4/IPv6 address or \"localhost\"")
        }
        return (effectiveHost, port)
    }
}

extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
