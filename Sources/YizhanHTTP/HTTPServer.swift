import CMicroHTTPD
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A libmicrohttpd daemon serving one synchronous handler. This type is the
/// only owner of the `MHD_Daemon`: `stop()` or `deinit` stops it.
///
/// Threading: the handler runs on libmicrohttpd's worker threads (`threads`
/// of them, epoll), concurrently, one request per worker at a time. It must be
/// thread-safe and should return quickly; a handler that blocks holds a worker
/// and the connections queued on it.
public final class HTTPServer: Sendable {
    public static let defaultConnectionLimit = 512
    public static let defaultIdleTimeoutSeconds = 30
    /// Per-connection pool for the request line, headers and read buffer;
    /// bigger headers get 431 from libmicrohttpd. Bodies are copied out of it.
    static let connectionMemoryLimit = 64 * 1024

    /// The port actually bound (the kernel's pick when 0 was asked for).
    public let port: UInt16
    public let host: String
    /// `127.0.0.1:8080` or `[::1]:8080`, for log lines.
    public var address: String { ListenAddress.display(host: host, port: port) }

    private let context: ServerContext
    private let running: Mutex<Running?>

    private struct Running: @unchecked Sendable {
        let daemon: OpaquePointer
        let context: Unmanaged<ServerContext>

        /// MHD_stop_daemon joins the workers, so nothing can use the context
        /// pointer after it returns; only then is the C side's reference dropped.
        func shutdown() {
            MHD_stop_daemon(daemon)
            context.release()
        }
    }

    /// - Parameters:
    ///   - host: "127.0.0.1", "0.0.0.0", "::1", "::" (IPv6 and IPv4), "localhost"
    ///     (= 127.0.0.1) or any numeric address. Names are not resolved.
    ///   - port: 0 picks a free port; read `port` afterwards.
    ///   - threads: libmicrohttpd worker threads.
    ///   - maxBodyBytes: larger bodies get 413 without being buffered.
    ///   - connectionLimit: open connections beyond it are refused at accept.
    ///   - idleTimeoutSeconds: an idle connection is closed after this long.
    public init(host: String, port: UInt16, threads: Int = 4, maxBodyBytes: Int = 1 << 20,
                connectionLimit: Int = HTTPServer.defaultConnectionLimit,
                idleTimeoutSeconds: Int = HTTPServer.defaultIdleTimeoutSeconds,
                handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws(HTTPServerError) {
        guard (1...256).contains(threads) else {
            throw .invalidConfiguration("threads must be 1...256, got \(threads)")
        }
        guard maxBodyBytes >= 0 else {
            throw .invalidConfiguration("maxBodyBytes must not be negative, got \(maxBodyBytes)")
        }
        // libmicrohttpd divides the limit among the workers; below one each,
        // some workers would accept nothing.
        guard connectionLimit >= threads, connectionLimit <= 1_000_000 else {
            throw .invalidConfiguration(
                "connectionLimit must be \(threads)...1000000 (at least one per thread), got \(connectionLimit)")
        }
        guard (1...86_400).contains(idleTimeoutSeconds) else {
            throw .invalidConfiguration("idleTimeoutSeconds must be 1...86400, got \(idleTimeoutSeconds)")
        }

        let listenAddress = try ListenAddress(host: host, port: port)
        let (fd, boundPort) = try ListeningSocket.open(listenAddress)
        let context = ServerContext(maxBodyBytes: maxBodyBytes, handler: handler)
        let retained = Unmanaged.passRetained(context)
        let display = ListenAddress.display(host: host, port: boundPort)
        let flags = MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_USE_ERROR_LOG.rawValue
        var startErrno: Int32 = 0
        let daemon: OpaquePointer?
        do {
            daemon = try ListeningSocket.handOver(fd, address: display) { lent in
                errno = 0
                let started = yz_mhd_start(flags, mhdAccessHandler, retained.toOpaque(), lent,
                                           UInt32(threads), UInt32(connectionLimit),
                                           UInt32(idleTimeoutSeconds), Self.connectionMemoryLimit,
                                           mhdRequestCompleted, nil)
                startErrno = errno
                return started
            }
        } catch {
            retained.release()
            throw error
        }
        guard let daemon else {
            retained.release()
            throw .daemonStartFailed(address: display, errno: startErrno)
        }
        self.host = host
        self.port = boundPort
        self.context = context
        self.running = Mutex(Running(daemon: daemon, context: retained))
    }

    /// Requests whose per-connection state is still held (tests: leak check).
    var openRequestCount: Int { context.openRequests.load(ordering: .relaxed) }

    /// Parses `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080` or `:8080`
    /// (all IPv4 interfaces, 0.0.0.0) into arguments for `init`.
    public static func parseAddress(_ s: String) throws(HTTPServerError) -> (host: String, port: UInt16) {
        try ListenAddress.parse(s)
    }

    /// Stops accepting, closes every connection and waits for running handlers
    /// to finish; once it returns no handler runs and the port is free.
    /// Idempotent and safe from any thread. Called from inside this server's
    /// own handler it cannot wait for that handler, so it stops the server
    /// from another thread and returns at once.
    public func stop() {
        if context.isCurrentThreadInHandler {
            runOnDetachedThread { self.stop() }
            return
        }
        // Holding the lock while stopping makes a concurrent stop() wait for
        // the first one, so neither returns while a handler may still run.
        running.withLock { running in
            running?.shutdown()
            running = nil
        }
    }

    deinit {
        guard let running = running.withLock({ $0.take() }) else { return }
        if context.isCurrentThreadInHandler {
            runOnDetachedThread { running.shutdown() }
        } else {
            running.shutdown()
        }
    }
}
