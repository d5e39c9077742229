/// What a handler answers. The adapter sets Content-Length itself.
public struct HTTPResponse: Sendable {
    /// 200...599; anything else (a handler bug) goes out as 500.
    public var status: Int
    /// Sent as Content-Type unless `headers` carries one (explicit headers win);
    /// empty means no Content-Type at all.
    public var contentType: String
    public var body: [UInt8]
    /// Extra headers in order. Names or values that would break the framing
    /// (CR, LF, NUL, non-token names) and Content-Length / Transfer-Encoding,
    /// which libmicrohttpd owns, are dropped rather than sent.
    public var headers: [(String, String)]
    /// When set, sent instead of `body` without copying it (see `SharedBody`).
    public var sharedBody: SharedBody? = nil

    public init(status: Int, contentType: String = "application/json", body: [UInt8],
                headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    public static func json(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: Array(text.utf8))
    }

    public static func text(_ status: Int, _ text: String,
                            contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: Array(text.utf8))
    }
}
