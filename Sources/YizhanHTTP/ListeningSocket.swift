#if canImport(Glibc)
import Glibc
#endif

/// Binds the listening socket before libmicrohttpd sees it, so the adapter
/// decides the socket options (SO_REUSEADDR for an immediate restart on the
/// same port, close-on-exec so a spawned broker never inherits the port) and
/// can name the address and errno when binding fails.
enum ListeningSocket {
    /// Returns a bound, listening, non-blocking socket and the port it got
    /// (the kernel's choice when `address.port` is 0). The caller owns the fd.
    static func open(_ address: ListenAddress) throws(HTTPServerError) -> (fd: Int32, port: UInt16) {
        let where_ = address.display
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(address.family, type, 0)
        guard fd >= 0 else { throw .socket(call: "socket", address: where_, errno: errno) }
        var success = false
        defer { if !success { close(fd) } }

        var on: Int32 = 1
        if setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            throw .socket(call: "setsockopt(SO_REUSEADDR)", address: where_, errno: errno)
        }
        if address.isIPv6Wildcard {
            // Be explicit rather than depend on net.ipv6.bindv6only.
            var off: Int32 = 0
            if setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off,
                          socklen_t(MemoryLayout<Int32>.size)) != 0 {
                throw .socket(call: "setsockopt(IPV6_V6ONLY)", address: where_, errno: errno)
            }
        }
        let bound = address.withSocketAddress { bind(fd, $0, $1) }
        guard bound == 0 else { throw .socket(call: "bind", address: where_, errno: errno) }
        guard listen(fd, SOMAXCONN) == 0 else {
            throw .socket(call: "listen", address: where_, errno: errno)
        }
        guard let port = boundPort(fd) else {
            throw .socket(call: "getsockname", address: where_, errno: errno)
        }
        success = true
        return (fd, port)
    }

    /// Lends `fd` to `start` (which hands it to libmicrohttpd) and closes
    /// whatever nobody owns afterwards; `fd` itself is always closed.
    ///
    /// libmicrohttpd 0.9.75 closes a MHD_OPTION_LISTEN_SOCKET when it fails
    /// late (epoll, threads) but not when it rejects its options, so after a
    /// failure we cannot know whether the descriptor number is still ours; it
    /// may already name another thread's new file. Handing over a duplicate
    /// while keeping the original open keeps the socket's identity alive, so
    /// comparing the two with fstat tells for certain.
    static func handOver<T>(_ fd: Int32, address: String,
                            to start: (Int32) -> T?) throws(HTTPServerError) -> T? {
        defer { close(fd) }
        let lent = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard lent >= 0 else {
            throw .socket(call: "fcntl(F_DUPFD_CLOEXEC)", address: address, errno: errno)
        }
        if let started = start(lent) { return started }
        if isSameOpenFile(lent, fd) { close(lent) }
        return nil
    }

    private static func isSameOpenFile(_ a: Int32, _ b: Int32) -> Bool {
        var first = stat()
        var second = stat()
        guard fstat(a, &first) == 0, fstat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    private static func boundPort(_ fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
        default:
            return nil
        }
    }
}
