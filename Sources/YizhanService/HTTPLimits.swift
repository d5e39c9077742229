#if canImport(Glibc)
import Glibc
#endif

/// How much the service's HTTP side lets one client take.
///
/// - Bodies: the API's only bodies are small JSON objects (ack, silence), so 64 KiB; larger
///   ones get 413 before they are read (a declared Content-Length) or as soon as they pass it.
/// - Headers and the request line: 64 KiB per connection (libmicrohttpd answers 431/414).
/// - Parameters: each endpoint checks its ranges (a series is at most 100,000 points, lists at
///   most 10,000 items) and answers 400 naming the parameter.
/// - Slow clients: a connection that sends or reads nothing for `idleTimeoutSeconds` is closed
///   (MHD_OPTION_CONNECTION_TIMEOUT), so a half-sent request or a reader that stopped reading
///   holds its slot for at most that long.
/// - Connections: at most `connectionLimit(threads:)` at once (768); beyond it new ones wait
///   in the kernel's accept queue until a slot frees, costing the process no descriptor. The
///   cap keeps every descriptor the process holds below 1024: libmosquitto 2.0.11 waits with
///   pselect(), which cannot watch a descriptor of 1024 or more (glibc's fortified FD_SET
///   aborts the process on one), and a reconnect to the broker while a thousand HTTP clients hang on
///   would otherwise get such a descriptor. Ingest matters more than the API's latency.
enum HTTPLimits {
    static let maxBodyBytes = 64 * 1024
    static let idleTimeoutSeconds = 20
    /// 1024 (FD_SETSIZE) minus the reserve.
    static let maxConnections = 768
    /// Descriptors kept for everything else: stdio, SQLite files (writer, readers, outbox),
    /// the journal, the MQTT socket and its wake-up pair, libmicrohttpd's epoll and signal
    /// descriptors, dispatch connections, the embedded broker's pipes.
    static let reservedDescriptors = 256

    /// How many HTTP connections fit under the process's descriptor limit: 64…768, at least
    /// one per worker thread.
    static func connectionLimit(threads: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return max(threads, maxConnections) }
        return connections(descriptors: Int(clamping: limit.rlim_cur), threads: threads)
    }

    static func connections(descriptors: Int, threads: Int) -> Int {
        max(threads, min(maxConnections, max(64, descriptors - reservedDescriptors)))
    }
}
