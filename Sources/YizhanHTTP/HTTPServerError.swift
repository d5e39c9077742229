#if canImport(Glibc)
import Glibc
#endif

/// Everything that can go wrong while starting an `HTTPServer`, with enough
/// context (the address, the failed call, errno) to act on the message alone.
public enum HTTPServerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `input` is not a usable `HOST:PORT` or host.
    case invalidAddress(String, reason: String)
    /// A parameter of `HTTPServer.init` is out of range.
    case invalidConfiguration(String)
    /// A socket call (`socket`, `setsockopt`, `bind`, `listen`, `getsockname`)
    /// failed for `address`.
    case socket(call: String, address: String, errno: Int32)
    /// `MHD_start_daemon` returned NULL. libmicrohttpd gives no error code, it
    /// writes the reason to stderr; `errno` is whatever it left behind.
    case daemonStartFailed(address: String, errno: Int32)

    /// The errno of a failed system call, if this error has one.
    public var errno: Int32? {
        switch self {
        case .socket(_, _, let code), .daemonStartFailed(_, let code): code
        case .invalidAddress, .invalidConfiguration: nil
        }
    }

    public var description: String {
        switch self {
        case .invalidAddress(let input, let reason):
            "invalid HTTP address \"\(input)\": \(reason)"
        case .invalidConfiguration(let message):
            "invalid HTTP server configuration: \(message)"
        case .socket(let call, let address, let code):
            "HTTP listen address \(address): \(call) failed: \(Self.explain(code))"
        case .daemonStartFailed(let address, let code):
            "libmicrohttpd could not start on \(address) (see its message on stderr; errno \(code): \(Self.explain(code)))"
        }
    }

    static func explain(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
