/// One complete HTTP request, body included, as the handler sees it.
public struct HTTPRequest: Sendable {
    public let method: String
    /// URL path without the query, percent-decoded by libmicrohttpd.
    public let path: String
    /// Query arguments, decoded; for a repeated name the last one wins.
    public let query: [String: String]
    /// Header names are lowercased; repeated headers are joined with ", "
    /// (RFC 9110 §5.3), so no value is lost.
    public let headers: [String: String]
    public let body: [UInt8]

    public init(method: String, path: String, query: [String: String] = [:],
                headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        var lowered: [String: String] = [:]
        for (name, value) in headers {
            lowered[name.lowercased(), default: ""].appendJoined(value)
        }
        self.headers = lowered
        self.body = body
    }

    /// Case-insensitive header lookup.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}

extension String {
    mutating func appendJoined(_ value: String) {
        if isEmpty { self = value } else { self += ", " + value }
    }
}
