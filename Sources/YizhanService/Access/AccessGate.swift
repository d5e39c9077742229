import YizhanCore
import YizhanHTTP

/// Decides, before any endpoint runs, who is asking: the bearer token of a request becomes an
/// `AccessScope`, or the request is refused (401 no or unknown token, 403 a read-only token
/// that tries to write). What the scope then lets the caller see is each endpoint's business.
///
/// - The clear `api_token` (`--api-token`, `YIZHAN_API_TOKEN`, api.md) is an operator token for
///   every league; `api_tokens` are compared by their SHA-256.
/// - Writes need a token as soon as any token is configured (api.md); with none, anyone may write.
/// - Reads need none unless `read_requires_token` is set; a token that is sent must be valid
///   and then scopes the read.
/// - Always open: `/healthz`, `/readyz`, the public finder (`/find`, `/api/v1/public/…`) and the
///   dashboard's static pages and files (the data behind them is scoped).
struct AccessGate: Sendable {
    let clearToken: String?
    let tokens: [String: APIToken]
    let readRequiresToken: Bool

    init(config: ServiceConfig) {
        clearToken = config.apiToken
        tokens = Dictionary(config.apiTokens.map { ($0.sha256, $0) }, uniquingKeysWith: { a, _ in a })
        readRequiresToken = config.readRequiresToken
    }

    var anyTokenConfigured: Bool { clearToken != nil || !tokens.isEmpty }

    enum Decision {
        case open
        case granted(AccessScope)
        case refused(HTTPResponse)
    }

    func decide(_ request: HTTPRequest) -> Decision {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true)
        if Self.isPublic(segments) { return .open }
        let write = request.method != "GET" && request.method != "HEAD"
        guard let header = request.header("authorization") else {
            if write {
                return anyTokenConfigured ? .refused(Self.unauthorized("this endpoint writes: it needs Authorization: Bearer TOKEN")) : .granted(.everything)
            }
            return readRequiresToken ? .refused(Self.unauthorized("reads need a token on this service: send Authorization: Bearer TOKEN"))
                : .granted(.openRead)
        }
        guard header.hasPrefix("Bearer "), let scope = scope(ofToken: String(header.dropFirst("Bearer ".count))) else {
            return .refused(Self.unauthorized("missing or wrong bearer token"))
        }
        if write && !scope.canOperate {
            return .refused(.json(403, JSONText.error("this token is read-only (\(scope.summary)); acknowledging and silencing need an operator token")))
        }
        return .granted(scope)
    }

    func scope(ofToken token: String) -> AccessScope? {
        if let clearToken, Self.sameBytes(token, clearToken) { return .everything }
        return tokens[SHA256.hex(token)]?.scope
    }

    static func isPublic(_ p: [Substring]) -> Bool {
        guard let first = p.first else { return true }  // GET /: the dashboard page
        switch first {
        case "healthz", "readyz", "find", "static", "vendor", "favicon.ico", "station": return true
        case "api": return p.count >= 3 && p[1] == "v1" && p[2] == "public"
        default: return false
        }
    }

    static func unauthorized(_ why: String) -> HTTPResponse {
        HTTPResponse(status: 401, body: Array(JSONText.error(why).utf8), headers: [("WWW-Authenticate", "Bearer")])
    }

    /// Compares without stopping at the first difference, so timing tells nothing about the token.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = x.count ^ y.count
        for i in 0..<min(x.count, y.count) { diff |= Int(x[i] ^ y[i]) }
        return diff == 0
    }
}
