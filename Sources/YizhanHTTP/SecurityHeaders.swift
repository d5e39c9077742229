import YizhanCore
/// The Content-Security-Policy of an HTML page: everything from this origin only, images also
/// as `data:` URLs, no plugins, no `<base>`, no framing, forms post only here. Inline `<script>`
/// and `<style>` blocks run only when their exact text is listed (as a SHA-256 hash), so text
/// that slipped through unescaped into a page can never run; pages should prefer external
/// `.js` / `.css` files served by the service, which need no hash at all.
public struct ContentSecurityPolicy: Sendable, Equatable {
    /// `'sha256-…'` sources for inline scripts and inline style elements.
    public private(set) var scriptHashes: [String] = []
    public private(set) var styleHashes: [String] = []
    /// Other origins images may come from (map tiles: `https://tile.example.org`).
    public private(set) var imageSources: [String] = []
    /// Other origins scripts may fetch from.
    public private(set) var connectSources: [String] = []

    /// No inline script or style at all.
    public static let strict = ContentSecurityPolicy()

    /// `inlineScripts` / `inlineStyles`: the exact text between `<script>` and `</script>`
    /// (or `<style>` and `</style>`) of blocks the page is allowed to carry. `imageSources`,
    /// `connectSources`: origins (`https://host[:port]`) beyond this one, e.g. a tile server.
    public init(inlineScripts: [String] = [], inlineStyles: [String] = [],
                imageSources: [String] = [], connectSources: [String] = []) {
        scriptHashes = inlineScripts.map(Self.hashSource)
        styleHashes = inlineStyles.map(Self.hashSource)
        // A source list is space-separated and ';' ends a directive: neither may come in.
        let clean: (String) -> Bool = { !$0.isEmpty && !$0.contains(where: { $0 == ";" || $0 == "," || $0.isWhitespace }) }
        self.imageSources = imageSources.filter(clean)
        self.connectSources = connectSources.filter(clean)
    }

    /// The header's value.
    public var headerValue: String {
        var parts = ["default-src 'self'"]
        if !scriptHashes.isEmpty { parts.append((["script-src 'self'"] + scriptHashes).joined(separator: " ")) }
        if !styleHashes.isEmpty { parts.append((["style-src 'self'"] + styleHashes).joined(separator: " ")) }
        parts.append((["img-src 'self' data:"] + imageSources).joined(separator: " "))
        if !connectSources.isEmpty { parts.append((["connect-src 'self'"] + connectSources).joined(separator: " ")) }
        parts += ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"]
        return parts.joined(separator: "; ")
    }

    /// `'sha256-BASE64'` of the UTF-8 bytes of `text`, as CSP Level 2 hashes inline blocks.
    public static func hashSource(_ text: String) -> String {
        "'sha256-" + Base64.encode(SHA256.digest(Array(text.utf8))) + "'"
    }
}

/// Headers every response gets unless the handler set them itself: `nosniff` everywhere
/// (a JSON body is never run as a script, a text file never rendered as HTML), and for
/// HTML the strict Content-Security-Policy plus `no-referrer` (ids in URLs stay here).
public enum SecurityHeaders {
    public static let contentSecurityPolicy = "Content-Security-Policy"
    public static let contentTypeOptions = "X-Content-Type-Options"
    public static let referrerPolicy = "Referrer-Policy"

    /// The headers to send with `response`: its own, then the defaults it lacks.
    public static func completed(_ response: HTTPResponse) -> [(String, String)] {
        var headers = response.headers
        func has(_ name: String) -> Bool { headers.contains { $0.0.lowercased() == name.lowercased() } }
        if !has(contentTypeOptions) { headers.append((contentTypeOptions, "nosniff")) }
        let type = headers.first { $0.0.lowercased() == "content-type" }?.1 ?? response.contentType
        if type.lowercased().hasPrefix("text/html") {
            if !has(contentSecurityPolicy) { headers.append((contentSecurityPolicy, ContentSecurityPolicy.strict.headerValue)) }
            if !has(referrerPolicy) { headers.append((referrerPolicy, "no-referrer")) }
        }
        return headers
    }
}

extension HTTPResponse {
    /// An HTML page with its Content-Security-Policy: `policy` lists the inline blocks it may
    /// carry (none by default).
    public static func html(_ status: Int, _ page: String, policy: ContentSecurityPolicy = .strict,
                            headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(page.utf8),
                     headers: [(SecurityHeaders.contentSecurityPolicy, policy.headerValue)] + headers)
    }

    /// A static file the pages load (`.js`, `.css`, `.svg`), cacheable for `maxAgeSeconds`.
    public static func asset(_ text: String, contentType: String, maxAgeSeconds: Int = 300) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: contentType, body: Array(text.utf8),
                     headers: [("Cache-Control", "public, max-age=\(maxAgeSeconds)")])
    }
}

/// Standard base64 with padding (RFC 4648 §4).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
