import Synchronization
import Testing
@testable import YizhanHTTP
#if canImport(Glibc)
import Glibc
#endif

@Suite struct HTTPServerLifecycleTests {
    @Test func stopRefusesConnectionsAndRunsNoMoreHandlers() throws {
        let (server, recorder) = try echoServer()
        let port = server.port
        #expect(try httpRequest(port: port, target: "/before").status == 200)
        server.stop()
        #expect(connectErrno(port: port) == ECONNREFUSED)
        server.stop()  // idempotent
        #expect(recorder.count == 1)
    }

    @Test func stopWaitsForRunningHandlers() throws {
        let entered = Mutex(false)
        let finished = Mutex(false)
        let release = Mutex(false)
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            entered.withLock { $0 = true }
            // The handler is held until the test has called stop().
            _ = waitUntil(seconds: 10) { release.withLock { $0 } }
            finished.withLock { $0 = true }
            return .text(200, "late")
        }
        let port = server.port
        let client = try TestConnection(port: port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        try #require(waitUntil(seconds: 10) { entered.withLock { $0 } })
        let stopReturnedAfterHandler = Mutex<Bool?>(nil)
        onThreads(2) { i in
            if i == 0 {
                server.stop()
                stopReturnedAfterHandler.withLock { $0 = finished.withLock { $0 } }
            } else {
                // Let the handler go once stop() is under way (the listening
                // socket is gone), or after a bound if it never shows.
                _ = waitUntil(seconds: 5) { connectErrno(port: port) == ECONNREFUSED }
                release.withLock { $0 = true }
            }
        }
        #expect(stopReturnedAfterHandler.withLock { $0 } == true)
    }

    @Test func deinitStopsTheServer() throws {
        var server: HTTPServer? = try HTTPServer(host: "127.0.0.1", port: 0) { _ in .text(200, "x") }
        let port = try #require(server?.port)
        #expect(try httpRequest(port: port, target: "/").status == 200)
        server = nil
        #expect(connectErrno(port: port) == ECONNREFUSED)
    }

    @Test func stopFromInsideTheHandlerDoesNotDeadlock() throws {
        let holder = Mutex<HTTPServer?>(nil)
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            holder.withLock { $0 }?.stop()
            return .text(200, "bye")
        }
        holder.withLock { $0 = server }
        defer { holder.withLock { $0 = nil } }
        let port = server.port
        _ = try? httpRequest(port: port, target: "/stop")
        // The stop runs on another thread; wait for its effect.
        #expect(waitUntil(seconds: 10) { connectErrno(port: port) == ECONNREFUSED })
    }

    @Test func restartOnTheSamePortRightAfterStop() throws {
        let first = try HTTPServer(host: "127.0.0.1", port: 0) { _ in .text(200, "one") }
        let port = first.port
        // Leave connections behind in TIME_WAIT, from both sides.
        for _ in 0..<3 { #expect(try httpRequest(port: port, target: "/").text == "one") }
        let kept = try TestConnection(port: port)
        try kept.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try kept.readResponse()
        first.stop()
        let second = try HTTPServer(host: "127.0.0.1", port: port) { _ in .text(200, "two") }
        defer { second.stop() }
        #expect(second.port == port)
        #expect(try httpRequest(port: port, target: "/").text == "two")
    }

    @Test func portInUseNamesTheAddress() throws {
        let (server, _) = try echoServer()
        defer { server.stop() }
        let error = #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(host: "127.0.0.1", port: server.port) { _ in .text(200, "") }
        }
        #expect(error == .socket(call: "bind", address: "127.0.0.1:\(server.port)", errno: EADDRINUSE))
        #expect(error?.errno == EADDRINUSE)
        let message = error?.description ?? ""
        #expect(message.contains("127.0.0.1:\(server.port)"))
        #expect(message.contains("Address already in use"))
    }

    @Test func hostNotOnThisMachineFailsToBind() throws {
        // TEST-NET-1 (RFC 5737) is never a local address.
        let error = #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(host: "192.0.2.1", port: 0) { _ in .text(200, "") }
        }
        #expect(error == .socket(call: "bind", address: "192.0.2.1:0", errno: EADDRNOTAVAIL))
    }

    @Test(arguments: ["example.com", "", "256.1.1.1", "::1%lo0", "[::1]"])
    func badHostIsRejected(host: String) throws {
        let error = #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(host: host, port: 0) { _ in .text(200, "") }
        }
        guard case .invalidAddress(let input, _)? = error else {
            Issue.record("expected invalidAddress, got \(String(describing: error))")
            return
        }
        #expect(input == host)
    }

    @Test func localhostAndWildcardsBind() throws {
        for host in ["localhost", "0.0.0.0"] + (ipv6LoopbackAvailable() ? ["::"] : []) {
            let server = try HTTPServer(host: host, port: 0) { _ in .text(200, "up") }
            defer { server.stop() }
            #expect(try httpRequest(port: server.port, target: "/").text == "up", "host \(host)")
        }
    }

    @Test func invalidConfigurationIsRejected() {
        #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(host: "127.0.0.1", port: 0, threads: 0) { _ in .text(200, "") }
        }
        #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(host: "127.0.0.1", port: 0, maxBodyBytes: -1) { _ in .text(200, "") }
        }
        #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(host: "127.0.0.1", port: 0, threads: 4, connectionLimit: 2) { _ in .text(200, "") }
        }
    }

    @Test func listeningSocketIsNotInherited() throws {
        let (server, _) = try echoServer()
        defer { server.stop() }
        // Find the listening descriptor among ours and check close-on-exec.
        var found = false
        for fd in Int32(3)..<Int32(4096) {
            var storage = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
            }
            guard ok, storage.sin_family == sa_family_t(AF_INET),
                  UInt16(bigEndian: storage.sin_port) == server.port else { continue }
            var listening: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0, listening == 1 else { continue }
            found = true
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        }
        #expect(found)
    }
}
