import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the C callbacks reach through `cls`: retained by `HTTPServer` for as
/// long as the daemon runs and released only after `MHD_stop_daemon` joined
/// every thread that could still hold the pointer.
final class ServerContext: Sendable {
    let handler: @Sendable (HTTPRequest) -> HTTPResponse
    let maxBodyBytes: Int
    /// Request states alive in `con_cls`; 0 once the daemon is stopped unless
    /// NOTIFY_COMPLETED missed one (the tests check it never does).
    let openRequests = Atomic<Int>(0)

    init(maxBodyBytes: Int, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.handler = handler
        self.maxBodyBytes = maxBodyBytes
    }

    /// Runs the user's handler, marking the thread so that `HTTPServer.stop()`
    /// called from inside it does not join the very thread it runs on.
    func respond(to request: HTTPRequest) -> HTTPResponse {
        let me = Unmanaged.passUnretained(self).toOpaque()
        if let key = handlerThreadKey { pthread_setspecific(key, me) }
        defer { if let key = handlerThreadKey { pthread_setspecific(key, nil) } }
        return handler(request)
    }

    /// True on a libmicrohttpd worker thread while it runs this context's handler.
    var isCurrentThreadInHandler: Bool {
        guard let key = handlerThreadKey else { return false }
        return pthread_getspecific(key) == Unmanaged.passUnretained(self).toOpaque()
    }
}

/// nil if the process ran out of pthread keys; then stop() from inside a
/// handler is simply not detected (documented as unsupported anyway).
private let handlerThreadKey: pthread_key_t? = {
    var key = pthread_key_t()
    return pthread_key_create(&key, nil) == 0 ? key : nil
}()
