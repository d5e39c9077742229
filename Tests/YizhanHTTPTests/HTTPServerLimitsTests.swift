import Testing
@testable import YizhanHTTP
#if canImport(Glibc)
import Glibc
#endif

@Suite struct HTTPServerLimitsTests {
    @Test func idleConnectionIsClosedAfterTheTimeout() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, idleTimeoutSeconds: 1) { _ in .text(200, "") }
        defer { server.stop() }
        let idle = try TestConnection(port: server.port)
        let start = ContinuousClock.now
        #expect(idle.readsEOF())  // blocks until the server hangs up (client gives up at 10 s)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func connectionsBeyondTheLimitWaitInTheBacklog() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 1, connectionLimit: 2) { _ in .text(200, "ok") }
        defer { server.stop() }
        var first: TestConnection? = try TestConnection(port: server.port)
        let second = try TestConnection(port: server.port)
        for connection in [first!, second] {
            try connection.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try connection.readResponse().text == "ok")
        }
        // At the limit libmicrohttpd stops accepting: a third client is not
        // served (a negative check, so it needs a bounded wait)...
        let third = try TestConnection(port: server.port)
        try third.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        var ready = pollfd(fd: third.fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&ready, 1, 300) == 0)
        // ...until a slot frees up.
        first = nil
        #expect(try third.readResponse().text == "ok")
    }

    @Test func oversizedHeadersAreRefusedByLibmicrohttpd() throws {
        let (server, recorder) = try echoServer()
        defer { server.stop() }
        let response = try httpRequest(port: server.port, target: "/",
                                       headers: [("X-Huge", String(repeating: "h", count: 100_000))])
        #expect((400...499).contains(response.status))
        #expect(recorder.count == 0)
    }

    @Test func everyRequestStateIsReleased() throws {
        let (server, _) = try echoServer(maxBodyBytes: 1000)
        let port = server.port
        _ = try httpRequest(port: port, target: "/plain?x=1")
        _ = try httpRequest(port: port, method: "POST", target: "/", body: Array(repeating: 1, count: 1000))
        let early = try TestConnection(port: port)
        try early.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n")
        #expect(try early.readResponse().status == 413)
        do {
            // The client goes away in the middle of a body.
            let abandoned = try TestConnection(port: port)
            try abandoned.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 900\r\n\r\nhalf")
        }
        // Still receiving its body when the server stops.
        let pending = try TestConnection(port: port)
        try pending.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 900\r\n\r\nsome")
        #expect(waitUntil(seconds: 10) { server.openRequestCount >= 1 })
        server.stop()
        #expect(server.openRequestCount == 0)
    }
}
