import Testing
@testable import YizhanHTTP

/// Content-Security-Policy and nosniff on what the adapter sends (SHA-256 itself: YizhanCoreTests).
@Suite struct SecurityHeadersTests {
    @Test func base64PadsAsRFC4648() {
        #expect(Base64.encode([]) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
    }

    @Test func strictPolicyAndHashedInlineBlocks() {
        let strict = ContentSecurityPolicy.strict.headerValue
        #expect(strict.hasPrefix("default-src 'self'"))
        #expect(strict.contains("img-src 'self' data:"))
        #expect(!strict.contains("unsafe-inline"))
        #expect(!strict.contains("script-src"))
        // The example of the CSP Level 2 spec: alert('Hello, world.');
        #expect(ContentSecurityPolicy.hashSource("alert('Hello, world.');")
                == "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='")
        let hashed = ContentSecurityPolicy(inlineScripts: ["alert('Hello, world.');"], inlineStyles: ["p{}"]).headerValue
        #expect(hashed.contains("script-src 'self' 'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"))
        #expect(hashed.contains("style-src 'self' 'sha256-"))
        let tiles = ContentSecurityPolicy(imageSources: ["https://tiles.example.org", "x; script-src *"]).headerValue
        #expect(tiles.contains("img-src 'self' data: https://tiles.example.org;"))
        #expect(!tiles.contains("script-src"))
    }

    @Test func htmlGetsThePolicyEverythingGetsNosniff() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { request in
            switch request.path {
            case "/page": return .html(200, "<p>hi</p>")
            case "/bare": return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array("<p>x</p>".utf8))
            case "/own": return HTTPResponse(status: 200, contentType: "text/html", body: [],
                                             headers: [("Content-Security-Policy", "default-src 'none'"),
                                                       ("X-Content-Type-Options", "nosniff")])
            case "/app.js": return .asset("void 0;", contentType: "text/javascript; charset=utf-8")
            default: return .json(200, "{}")
            }
        }
        defer { server.stop() }
        let page = try httpRequest(port: server.port, target: "/page")
        #expect(page.headers["content-security-policy"] == ContentSecurityPolicy.strict.headerValue)
        #expect(page.headers["x-content-type-options"] == "nosniff")
        #expect(page.headers["referrer-policy"] == "no-referrer")
        // A handler that forgot the helper still sends the strict policy.
        let bare = try httpRequest(port: server.port, target: "/bare")
        #expect(bare.headers["content-security-policy"] == ContentSecurityPolicy.strict.headerValue)
        // An explicit policy is kept, not doubled (libmicrohttpd would join repeats).
        let own = try httpRequest(port: server.port, target: "/own")
        #expect(own.headers["content-security-policy"] == "default-src 'none'")
        #expect(own.headers["x-content-type-options"] == "nosniff")
        let json = try httpRequest(port: server.port, target: "/api")
        #expect(json.headers["x-content-type-options"] == "nosniff")
        #expect(json.headers["content-security-policy"] == nil)
        let js = try httpRequest(port: server.port, target: "/app.js")
        #expect(js.headers["cache-control"] == "public, max-age=300")
        #expect(js.headers["x-content-type-options"] == "nosniff")
    }
}

/// A shared body goes out whole to every client and is freed once the last response is gone.
@Suite struct SharedBodyTests {
    final class Probe: @unchecked Sendable { weak var body: SharedBody? }

    @Test func sentWithoutCopyAndReleased() throws {
        let probe = Probe()
        do {
            let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let body = SharedBody(payload)
            probe.body = body
            let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
                .shared(200, contentType: "application/octet-stream", body)
            }
            for _ in 0..<3 {
                let r = try httpRequest(port: server.port, target: "/feed")
                #expect(r.status == 200)
                #expect(r.body == payload)
                #expect(r.headers["content-length"] == "300000")
            }
            server.stop()
        }
        #expect(probe.body == nil, "the body is released once the server and its responses are gone")
        #expect(SharedBody([]).count == 0)
    }
}
