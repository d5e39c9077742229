import Synchronization
import Testing
@testable import YizhanHTTP
#if canImport(Glibc)
import Glibc
#endif

/// Keeps what the handler saw, for assertions on the test thread.
final class Recorder: Sendable {
    private let seen = Mutex<[HTTPRequest]>([])
    func record(_ request: HTTPRequest) { seen.withLock { $0.append(request) } }
    var requests: [HTTPRequest] { seen.withLock { $0 } }
    var count: Int { seen.withLock { $0.count } }
}

/// A server that records each request and answers 200 with the body echoed.
func echoServer(maxBodyBytes: Int = 1 << 20, threads: Int = 4)
    throws -> (HTTPServer, Recorder) {
    let recorder = Recorder()
    let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: threads,
                                maxBodyBytes: maxBodyBytes) { request in
        recorder.record(request)
        return HTTPResponse(status: 200, contentType: "application/octet-stream", body: request.body)
    }
    return (server, recorder)
}

@Suite struct HTTPServerRequestTests {
    @Test func getDecodesPathAndQuery() throws {
        let (server, recorder) = try echoServer()
        defer { server.stop() }
        let response = try httpRequest(
            port: server.port,
            target: "/api/v1/st%20ations/%C3%BC?from=2026-11-21T06%3A30%3A00Z&a=1&a=2&flag&plus=a+b&empty=&u=%E5%BA%A6")
        #expect(response.status == 200)
        let request = try #require(recorder.requests.first)
        #expect(request.method == "GET")
        #expect(request.path == "/api/v1/st ations/ü")
        #expect(request.query["from"] == "2026-11-21T06:30:00Z")
        #expect(request.query["a"] == "2")
        #expect(request.query["flag"] == "")
        #expect(request.query["plus"] == "a b")
        #expect(request.query["empty"] == "")
        #expect(request.query["u"] == "度")
        #expect(request.body.isEmpty)
    }

    @Test func pathWithoutQueryHasNoArguments() throws {
        let (server, recorder) = try echoServer()
        defer { server.stop() }
        _ = try httpRequest(port: server.port, target: "/healthz")
        let request = try #require(recorder.requests.first)
        #expect(request.path == "/healthz")
        #expect(request.query.isEmpty)
    }

    @Test func headersAreCaseInsensitive() throws {
        let (server, recorder) = try echoServer()
        defer { server.stop() }
        _ = try httpRequest(port: server.port, target: "/h",
                            headers: [("X-Custom-Thing", "Value 1"), ("AUTHORIZATION", "Bearer t0k"),
                                      ("x-repeat", "a"), ("X-Repeat", "b")])
        let request = try #require(recorder.requests.first)
        #expect(request.headers["x-custom-thing"] == "Value 1")
        #expect(request.header("x-CUSTOM-thing") == "Value 1")
        #expect(request.header("Authorization") == "Bearer t0k")
        #expect(request.header("X-Repeat") == "a, b")
        #expect(request.header("missing") == nil)
        #expect(request.headers.keys.allSatisfy { $0 == $0.lowercased() })
    }

    @Test func responseCarriesStatusContentTypeAndHeaders() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            HTTPResponse(status: 201, contentType: "text/csv", body: Array("a,b\n".utf8),
                         headers: [("X-Reply", "yes"), ("Bad\r\nHeader", "x"), ("X-Split", "a\r\nInjected: 1"),
                                   ("Content-Length", "999")])
        }
        defer { server.stop() }
        let response = try httpRequest(port: server.port, target: "/")
        #expect(response.status == 201)
        #expect(response.headers["content-type"] == "text/csv")
        #expect(response.headers["x-reply"] == "yes")
        #expect(response.headers["injected"] == nil)
        #expect(response.headers["x-split"] == nil)
        #expect(response.headers["content-length"] == "4")
        #expect(response.text == "a,b\n")
    }

    @Test func jsonAndTextHelpers() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { request in
            request.path == "/j" ? .json(404, #"{"error":"nope"}"#) : .text(200, "ok")
        }
        defer { server.stop() }
        let json = try httpRequest(port: server.port, target: "/j")
        #expect(json.status == 404)
        #expect(json.headers["content-type"] == "application/json")
        #expect(json.text == #"{"error":"nope"}"#)
        let text = try httpRequest(port: server.port, target: "/t")
        #expect(text.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(text.text == "ok")
    }

    @Test func outOfRangeStatusBecomes500() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in .text(42, "weird") }
        defer { server.stop() }
        #expect(try httpRequest(port: server.port, target: "/").status == 500)
    }

    @Test func postBodyArrivingInPieces() throws {
        let (server, recorder) = try echoServer()
        defer { server.stop() }
        let body = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let connection = try TestConnection(port: server.port)
        try connection.send("POST /api/v1/silences HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                            + "Content-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n\r\n")
        // Pacing, not waiting: the pauses make the server read the body in
        // several separate pieces, which is what this test is about.
        for piece in stride(from: 0, to: body.count, by: 12_345) {
            usleep(20_000)
            try connection.send(Array(body[piece..<min(piece + 12_345, body.count)]))
        }
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(response.body == body)
        #expect(recorder.requests.first?.method == "POST")
        #expect(recorder.requests.first?.body == body)
    }

    @Test func chunkedPostBody() throws {
        let (server, recorder) = try echoServer()
        defer { server.stop() }
        let connection = try TestConnection(port: server.port)
        try connection.send("POST /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in ["{\"by\":", "\"ops\",", "\"comment\":\"ok\"}"] {
            usleep(20_000)  // pacing, as above
            try connection.send(String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n")
        }
        try connection.send("0\r\n\r\n")
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(response.text == #"{"by":"ops","comment":"ok"}"#)
        #expect(recorder.count == 1)
    }

    @Test func keepAliveConnectionServesSeveralRequests() throws {
        let (server, recorder) = try echoServer()
        defer { server.stop() }
        let connection = try TestConnection(port: server.port)
        for body in ["first", "second body", ""] {
            try connection.send("POST /k HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(response.text == body)
        }
        #expect(recorder.requests.map { String(decoding: $0.body, as: UTF8.self) } == ["first", "second body", ""])
    }

    @Test func bodyAtTheLimitIsAccepted() throws {
        let (server, _) = try echoServer(maxBodyBytes: 1000)
        defer { server.stop() }
        let body = [UInt8](repeating: 7, count: 1000)
        let response = try httpRequest(port: server.port, method: "POST", target: "/", body: body)
        #expect(response.status == 200)
        #expect(response.body == body)
    }

    @Test func declaredOversizedBodyGets413WithoutBeingRead() throws {
        let (server, recorder) = try echoServer(maxBodyBytes: 1000)
        defer { server.stop() }
        let connection = try TestConnection(port: server.port)
        // Only the headers are sent: the answer must come without the body.
        try connection.send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 50000000\r\n\r\n")
        let response = try connection.readResponse()
        #expect(response.status == 413)
        #expect(response.text.contains("1000"))
        #expect(recorder.count == 0)
    }

    @Test func expectContinueOversizedBodyGets413() throws {
        let (server, recorder) = try echoServer(maxBodyBytes: 10)
        defer { server.stop() }
        let connection = try TestConnection(port: server.port)
        try connection.send("POST /big HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n")
        #expect(try connection.readResponse().status == 413)
        #expect(recorder.count == 0)
    }

    @Test func chunkedOversizedBodyGets413() throws {
        let (server, recorder) = try echoServer(maxBodyBytes: 1000)
        defer { server.stop() }
        let connection = try TestConnection(port: server.port)
        try connection.send("POST /big HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n")
        let piece = String(repeating: "x", count: 600)
        for _ in 0..<4 { try connection.send("258\r\n" + piece + "\r\n") }
        try connection.send("0\r\n\r\n")
        #expect(try connection.readResponse().status == 413)
        #expect(recorder.count == 0)
    }

    @Test func endlessChunkedBodyIsCutOff() throws {
        let (server, recorder) = try echoServer(maxBodyBytes: 1000)
        defer { server.stop() }
        let connection = try TestConnection(port: server.port)
        try connection.send("POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        let piece = "4000\r\n" + String(repeating: "y", count: 0x4000) + "\r\n"
        var sent = 0
        var failure: TestClientError?
        while sent < 64 << 20 {
            do { try connection.send(piece) } catch { failure = error as? TestClientError; break }
            sent += 0x4000
        }
        // The server hung up (rather than merely stopped reading), after the
        // limit plus the drain allowance plus what socket buffers absorb.
        #expect(failure == .io("send", EPIPE) || failure == .io("send", ECONNRESET))
        #expect(sent < 1000 + ConnectionState.drainAllowance + (16 << 20))
        #expect(recorder.count == 0)
    }

    @Test func concurrentRequestsFromSeveralThreads() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 4) { request in
            .text(200, "\(request.path)|\(request.query["n"] ?? "")|\(request.body.count)")
        }
        defer { server.stop() }
        let failures = Mutex<[String]>([])
        let port = server.port
        onThreads(8) { thread in
            for i in 0..<25 {
                let body = [UInt8](repeating: 1, count: thread * 100 + i)
                do {
                    let response = try httpRequest(port: port, method: "POST", target: "/t\(thread)?n=\(i)", body: body)
                    let expected = "/t\(thread)|\(i)|\(body.count)"
                    if response.status != 200 || response.text != expected {
                        failures.withLock { $0.append("\(thread)/\(i): \(response.status) \(response.text)") }
                    }
                } catch {
                    failures.withLock { $0.append("\(thread)/\(i): \(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
    }

    @Test func largeResponseBody() throws {
        let payload = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0) }
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            HTTPResponse(status: 200, contentType: "application/octet-stream", body: payload)
        }
        defer { server.stop() }
        #expect(try httpRequest(port: server.port, target: "/").body == payload)
    }

    @Test(.enabled(if: ipv6LoopbackAvailable())) func servesIPv6Loopback() throws {
        let server = try HTTPServer(host: "::1", port: 0) { request in .text(200, request.path) }
        defer { server.stop() }
        #expect(server.address == "[::1]:\(server.port)")
        let response = try httpRequest(port: server.port, host: "::1", target: "/six")
        #expect(response.text == "/six")
    }
}
