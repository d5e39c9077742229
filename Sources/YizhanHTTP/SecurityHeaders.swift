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

/// FIPS 180-4 SHA-256, for CSP hashes (Foundation on Linux has no CryptoKit, and the
/// package takes no third-party code).
enum SHA256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        let bits = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 64)
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let b = chunk + i * 4
                w[i] = UInt32(data[b]) << 24 | UInt32(data[b + 1]) << 16 | UInt32(data[b + 2]) << 8 | UInt32(data[b + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
            h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
        }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in h { for shift in [24, 16, 8, 0] { out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) } }
        return out
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
