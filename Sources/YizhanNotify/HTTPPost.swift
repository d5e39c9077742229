import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why a POST got no HTTP status at all.
public enum HTTPPostError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not an absolute `http://` or `https://` URL with a host.
    case invalidURL(String)
    /// No connection: refused (nothing listens), unreachable, or reset before a reply.
    case connectionFailed(url: String, detail: String)
    /// No complete reply within the timeout (seconds).
    case timedOut(url: String, seconds: Double)
    /// The host name did not resolve.
    case hostNotFound(url: String, detail: String)
    /// The TLS handshake or certificate check failed.
    case tls(url: String, detail: String)
    /// `cancelAll()` (shutdown) ended the request.
    case cancelled(url: String)
    case other(url: String, detail: String)

    public var description: String {
        switch self {
        case .invalidURL(let u): "invalid URL \"\(u)\": expected http://HOST[:PORT]/PATH or https://…"
        case .connectionFailed(let u, let d): "cannot connect to \(u): \(d)"
        case .timedOut(let u, let s): "no reply from \(u) within \(Self.seconds(s))"
        case .hostNotFound(let u, let d): "cannot resolve the host of \(u): \(d)"
        case .tls(let u, let d): "TLS failure with \(u): \(d)"
        case .cancelled(let u): "request to \(u) cancelled"
        case .other(let u, let d): "request to \(u) failed: \(d)"
        }
    }

    private static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }
}

/// A small blocking HTTP client for POSTing JSON notifications: Foundation's URLSession
/// (libcurl underneath on Linux, so `https://` works), one session per instance, called
/// from a dispatcher thread. Redirects are not followed (a POST turned into a GET would
/// look delivered): a 3xx comes back as the status. Like Alertmanager's client, it honours
/// `http_proxy` / `https_proxy` / `no_proxy` from the environment (libcurl does).
public final class HTTPPost: @unchecked Sendable {
    public struct Response: Sendable, Equatable {
        public let status: Int
        public let body: [UInt8]
    }

    public static let defaultTimeout: Double = 5

    /// Seconds for the whole exchange: connect, send, reply.
    public let timeout: Double
    private let session: URLSession
    private let lock = NSLock()
    private var inFlight: [Int: URLSessionTask] = [:]
    private var nextTask = 0

    public init(timeout: Double = HTTPPost.defaultTimeout) {
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    /// POSTs `body` (JSON unless `headers` says otherwise) and returns the reply, whatever
    /// its status; throws only when there is no reply.
    public func post(_ url: String, body: [UInt8], headers: [String: String] = [:]) throws(HTTPPostError) -> Response {
        guard let target = URL(string: url), let scheme = target.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = target.host, !host.isEmpty else {
            throw .invalidURL(url)
        }
        var request = URLRequest(url: target, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Yizhan", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }

        let outcome = Outcome()
        let task = session.dataTask(with: request) { data, response, error in
            outcome.set(data: data, response: response, error: error)
        }
        let key: Int = lock.withLock {
            nextTask += 1
            inFlight[nextTask] = task
            return nextTask
        }
        defer { _ = lock.withLock { inFlight.removeValue(forKey: key) } }
        task.resume()
        // libcurl enforces the timeout in whole seconds; this bound catches anything it misses.
        if outcome.done.wait(timeout: .now() + timeout + 1) == .timedOut {
            task.cancel()
            throw .timedOut(url: url, seconds: timeout)
        }
        let (data, response, error) = outcome.get()
        if let response = response as? HTTPURLResponse, error == nil {
            return Response(status: response.statusCode, body: data.map { [UInt8]($0) } ?? [])
        }
        throw Self.classify(error, url: url, timeout: timeout)
    }

    /// POSTs a notification and says what became of it (see `DeliveryResult.forHTTPStatus`).
    public func deliver(_ url: String, payload: [UInt8], headers: [String: String] = [:]) -> DeliveryResult {
        do {
            let reply = try post(url, body: payload, headers: headers)
            return DeliveryResult.forHTTPStatus(reply.status, body: reply.body)
        } catch {
            return DeliveryResult.forHTTPError(error)
        }
    }

    /// Ends every request in flight at once (they fail with `.cancelled`): what
    /// `Dispatcher.stop()` calls so that shutdown never waits out a timeout.
    public func cancelAll() {
        let tasks = lock.withLock { Array(inFlight.values) }
        for task in tasks { task.cancel() }
    }

    static func classify(_ error: Error?, url: String, timeout: Double) -> HTTPPostError {
        guard let error else { return .other(url: url, detail: "no HTTP response") }
        guard let e = error as? URLError else { return .other(url: url, detail: "\(error)") }
        let detail = (e.userInfo[NSLocalizedDescriptionKey] as? String) ?? e.localizedDescription
        switch e.code {
        case .timedOut:
            return .timedOut(url: url, seconds: timeout)
        case .cannotFindHost, .dnsLookupFailed:
            return .hostNotFound(url: url, detail: detail)
        case .cannotConnectToHost, .networkConnectionLost, .notConnectedToInternet, .cannotLoadFromNetwork,
             .badServerResponse, .zeroByteResource:
            return .connectionFailed(url: url, detail: detail)
        case .secureConnectionFailed, .serverCertificateHasBadDate, .serverCertificateUntrusted,
             .serverCertificateHasUnknownRoot, .serverCertificateNotYetValid, .clientCertificateRejected,
             .clientCertificateRequired:
            return .tls(url: url, detail: detail)
        case .cancelled:
            return .cancelled(url: url)
        case .badURL, .unsupportedURL:
            return .invalidURL(url)
        default:
            return .other(url: url, detail: "\(detail) (URLError \(e.code.rawValue))")
        }
    }
}

/// The reply of one task, handed from URLSession's queue to the waiting thread.
private final class Outcome: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var data: Data?
    private var response: URLResponse?
    private var error: Error?

    func set(data: Data?, response: URLResponse?, error: Error?) {
        lock.withLock {
            self.data = data
            self.response = response
            self.error = error
        }
        done.signal()
    }

    func get() -> (Data?, URLResponse?, Error?) {
        lock.withLock { (data, response, error) }
    }
}

private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
