import Foundation
import Synchronization
import Testing
import YizhanHTTP
import YizhanProcess
@testable import YizhanNotify
#if canImport(Glibc)
import Glibc
#endif

/// A socket that listens on 127.0.0.1 and never accepts: connections complete in the
/// kernel's backlog and then nothing ever answers.
final class SilentListener: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw NotJSON(description: "cannot listen")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}

/// The error a POST of an empty body fails with; nil if it got a reply.
func postError(_ client: HTTPPost, _ url: String) -> HTTPPostError? {
    do throws(HTTPPostError) {
        _ = try client.post(url, body: [])
        return nil
    } catch {
        return error
    }
}

@Suite struct HTTPPostTests {
    @Test func postsJSONAndReturnsTheReply() throws {
        let seen = Mutex<(String, String?, String)?>(nil)
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { request in
            seen.withLock { $0 = (request.method + " " + request.path, request.header("content-type"),
                                  String(decoding: request.body, as: UTF8.self)) }
            return .json(200, "{\"ok\":true}")
        }
        defer { server.stop() }
        let reply = try HTTPPost().post("http://127.0.0.1:\(server.port)/hook", body: Array("{\"a\":1}".utf8))
        #expect(reply.status == 200)
        #expect(String(decoding: reply.body, as: UTF8.self) == "{\"ok\":true}")
        let got = try #require(seen.withLock { $0 })
        #expect(got.0 == "POST /hook")
        #expect(got.1 == "application/json")
        #expect(got.2 == "{\"a\":1}")
    }

    @Test func manyPostsOnOneClient() throws {
        let count = Mutex(0)
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            count.withLock { $0 += 1 }
            return .json(204, "")
        }
        defer { server.stop() }
        let client = HTTPPost()
        for i in 0..<200 {
            #expect(client.deliver("http://127.0.0.1:\(server.port)/", payload: Array("\(i)".utf8)) == .delivered)
        }
        #expect(count.withLock { $0 } == 200)
    }

    @Test func connectionRefused() {
        let port = LoopbackPort.free()
        var caught: HTTPPostError?
        let t = elapsed {
            caught = postError(HTTPPost(), "http://127.0.0.1:\(port)/")
        }
        guard case .connectionFailed(let url, _) = caught else {
            Issue.record("expected connectionFailed, got \(String(describing: caught))")
            return
        }
        #expect(url == "http://127.0.0.1:\(port)/")
        #expect(t < 2)
        #expect(caught!.description.hasPrefix("cannot connect to http://127.0.0.1:\(port)/"))
        #expect(DeliveryResult.forHTTPError(caught!) == .retry(caught!.description))
    }

    @Test func timeoutWhenNothingAnswers() throws {
        let silent = try SilentListener()
        var caught: HTTPPostError?
        let t = elapsed {
            caught = postError(HTTPPost(timeout: 1), "http://127.0.0.1:\(silent.port)/")
        }
        #expect(caught == .timedOut(url: "http://127.0.0.1:\(silent.port)/", seconds: 1))
        #expect(t >= 0.9 && t < 3.5, "took \(t)s")
        #expect(caught?.description == "no reply from http://127.0.0.1:\(silent.port)/ within 1s")
    }

    @Test func unknownHost() {
        let caught = postError(HTTPPost(timeout: 3), "http://no-such-host.invalid/hook")
        guard case .hostNotFound = caught else {
            Issue.record("expected hostNotFound, got \(String(describing: caught))")
            return
        }
    }

    @Test func invalidURLs() {
        for url in ["", "not a url", "ftp://host/x", "http:///path", "mqtt://broker:1883"] {
            #expect(throws: HTTPPostError.invalidURL(url)) { try HTTPPost().post(url, body: []) }
        }
    }

    @Test func cancelAllEndsARequestAtOnce() throws {
        let silent = try SilentListener()
        let client = HTTPPost(timeout: 20)
        let result = Mutex<HTTPPostError?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let error = postError(client, "http://127.0.0.1:\(silent.port)/")
            result.withLock { $0 = error }
            done.signal()
        }.start()
        usleep(300_000)
        let t = elapsed {
            client.cancelAll()
            done.wait()
        }
        #expect(t < 2)
        #expect(result.withLock { $0 } == .cancelled(url: "http://127.0.0.1:\(silent.port)/"))
    }

    @Test func redirectsAreNotFollowed() throws {
        let hits = Mutex<[String]>([])
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { request in
            hits.withLock { $0.append(request.method + " " + request.path) }
            if request.path == "/old" {
                return HTTPResponse(status: 302, body: [], headers: [("Location", "/new")])
            }
            return .json(200, "{}")
        }
        defer { server.stop() }
        let reply = try HTTPPost().post("http://127.0.0.1:\(server.port)/old", body: Array("{}".utf8))
        #expect(reply.status == 302)
        #expect(hits.withLock { $0 } == ["POST /old"])
        #expect(DeliveryResult.forHTTPStatus(302) == .rejected("HTTP 302"))
    }

    @Test func statusClassification() throws {
        #expect(DeliveryResult.forHTTPStatus(200) == .delivered)
        #expect(DeliveryResult.forHTTPStatus(202) == .delivered)
        #expect(DeliveryResult.forHTTPStatus(204) == .delivered)
        for s in [408, 429, 500, 502, 503, 504] {
            #expect(DeliveryResult.forHTTPStatus(s) == .retry("HTTP \(s)"))
        }
        for s in [400, 401, 403, 404, 405, 413, 422] {
            #expect(DeliveryResult.forHTTPStatus(s) == .rejected("HTTP \(s)"))
        }
        #expect(DeliveryResult.forHTTPStatus(400, body: Array("{\"error\":\"bad\"}\nmore".utf8))
                == .rejected("HTTP 400: {\"error\":\"bad\"}"))
        let long = String(repeating: "x", count: 300)
        #expect(DeliveryResult.forHTTPStatus(500, body: Array(long.utf8)).failure?.count == "HTTP 500: ".count + 201)

        // End to end through a server answering each status.
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { request in
            .json(Int(String(decoding: request.body, as: UTF8.self)) ?? 500, "")
        }
        defer { server.stop() }
        let client = HTTPPost()
        let url = "http://127.0.0.1:\(server.port)/"
        #expect(client.deliver(url, payload: Array("200".utf8)) == .delivered)
        #expect(client.deliver(url, payload: Array("503".utf8)) == .retry("HTTP 503"))
        #expect(client.deliver(url, payload: Array("429".utf8)) == .retry("HTTP 429"))
        #expect(client.deliver(url, payload: Array("422".utf8)) == .rejected("HTTP 422"))
    }
}
