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
/// - Connections: at most `connectionLimit(threads:)` at once; beyond it new ones wait in the
///   kernel's accept queue until a slot frees, never costing the process a descriptor. The
///   limit follows the process's descriptor limit, which start-up raises to its hard maximum.
enum HTTPLimits {
    static let maxBodyBytes = 64 * 1024
    static let idleTimeoutSeconds = 20
    static let maxConnections = 4096
    /// Descriptors kept for everything else: SQLite files, the journal, MQTT, outbox, archive.
    static let reservedDescriptors = 256

    /// Raises the soft RLIMIT_NOFILE towards the hard limit (at most 65,536) and returns how
    /// many HTTP connections fit: half of what is left after the reserve, 64…4,096, and at
    /// least one per worker thread.
    static func connectionLimit(threads: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return max(threads, 512) }
        let target = min(limit.rlim_max, 65_536)
        if limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return connections(descriptors: Int(clamping: limit.rlim_cur), threads: threads)
    }

    static func connections(descriptors: Int, threads: Int) -> Int {
        max(threads, min(maxConnections, max(64, (descriptors - reservedDescriptors) / 2)))
    }
}
