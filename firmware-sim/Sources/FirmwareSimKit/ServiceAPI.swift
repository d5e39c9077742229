import Foundation
import YizhanCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few calls `firmware-sim history` makes to the running service: readiness, each
/// station's newest committed sample (`last_seen`), and maintenance silences. One keep-alive
/// HTTP/1.1 connection, reopened when the service closes it (a restart).
final class ServiceAPI {
    let endpoint: ScoreHTTP.Endpoint
    let token: String?
    private var fd: Int32 = -1

    init(_ url: String, token: String?) throws {
        switch ScoreHTTP.parse(url) {
        case .success(let e): endpoint = e
        case .failure(let e): throw e
        }
        self.token = token
    }

    deinit { disconnect() }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// One request; a connection the service closed is reopened once.
    func request(_ method: String, _ path: String, body: String? = nil, timeoutSeconds: Int = 30) throws -> ScoreHTTP.Reply {
        for attempt in 0..<2 {
            if fd < 0 { fd = try ScoreHTTP.openConnection(endpoint, timeoutSeconds: timeoutSeconds) }
            do {
                return try exchange(method, path, body: body)
            } catch let e as Stale {
                disconnect()
                if attempt == 1 { throw ScoreError("\(endpoint.display)\(path): \(e.why)") }
            }
        }
        throw ScoreError("unreachable")
    }

    private struct Stale: Error { let why: String }

    private func exchange(_ method: String, _ path: String, body: String?) throws -> ScoreHTTP.Reply {
        var head = "\(method) \(endpoint.basePath)\(path) HTTP/1.1\r\nHost: \(endpoint.host):\(endpoint.port)\r\nAccept: application/json\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        let payload = Array((body ?? "").utf8)
        if body != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(payload.count)\r\n\r\n"
        let bytes = Array(head.utf8) + payload
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw Stale(why: "sending the request failed: \(ScoreHTTP.errnoText())") }
            sent += n
        }
        var data: [UInt8] = []
        data.reserveCapacity(8_192)
        var bodyStart: Int?
        var length: Int?
        var closes = false
        var status = 0
        while true {
            if let start = bodyStart, let length, data.count - start >= length { break }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 {
                if data.isEmpty { throw Stale(why: "the connection was closed") }
                closes = true
                break
            }
            if n < 0 {
                if errno == EINTR { continue }
                if data.isEmpty { throw Stale(why: "reading the reply failed: \(ScoreHTTP.errnoText())") }
                throw ScoreError("\(endpoint.display)\(path): reading the reply failed: \(ScoreHTTP.errnoText())")
            }
            data.append(contentsOf: buffer[0..<n])
            if bodyStart == nil, let end = Self.headEnd(data) {
                bodyStart = end
                let headText = String(decoding: data[..<(end - 4)], as: UTF8.self).lowercased()
                for (i, line) in headText.split(separator: "\r\n").enumerated() {
                    if i == 0 {
                        let parts = line.split(separator: " ")
                        if parts.count >= 2, parts[0].hasPrefix("http/"), let code = Int(parts[1]) { status = code }
                    }
                    if line.hasPrefix("content-length:") { length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) }
                    if line.hasPrefix("connection:"), line.contains("close") { closes = true }
                }
                if length == nil { closes = true }  // read to the end
            }
        }
        if closes { disconnect() }
        guard let start = bodyStart, status > 0 else {
            throw ScoreError("\(endpoint.display)\(path): the reply is not HTTP (or was cut short)")
        }
        let stop = length.map { min(data.count, start + $0) } ?? data.count
        if let length, data.count - start < length {
            throw ScoreError("\(endpoint.display)\(path): the reply was cut short")
        }
        if !closes, length == nil { disconnect() }
        return ScoreHTTP.Reply(status: status, body: Array(data[start..<stop]))
    }

    private var buffer = [UInt8](repeating: 0, count: 65_536)

    /// Where the body starts: after the first CR LF CR LF.
    static func headEnd(_ d: [UInt8]) -> Int? {
        guard d.count >= 4 else { return nil }
        return d.withUnsafeBufferPointer { p -> Int? in
            var i = 3
            while i < p.count {
                if p[i] == 10 && p[i - 1] == 13 && p[i - 2] == 10 && p[i - 3] == 13 { return i + 1 }
                i += 1
            }
            return nil
        }
    }

    // MARK: calls

    /// Whether `/readyz` answers 200 (subscribed, store writable).
    func isReady() -> Bool {
        (try? request("GET", "/readyz", timeoutSeconds: 5))?.status == 200
    }

    /// Each registered station's newest committed sample time (`last_seen`), by id.
    func lastSeen() throws -> [String: Int64] {
        let reply = try request("GET", "/api/v1/stations")
        guard reply.status == 200, let out = Self.lastSeen(reply.body) else {
            throw ScoreError("\(endpoint.display)/api/v1/stations: HTTP \(reply.status): \(reply.text.prefix(200))")
        }
        return out
    }

    /// `last_seen` by `id` from the JSON of `/api/v1/stations` (`[{"id":…,…,"last_seen":…},…]`),
    /// by a scan for the two keys (called once or twice per step of a month's history).
    static func lastSeen(_ body: [UInt8]) -> [String: Int64]? {
        let idKey = Array(#""id":""#.utf8), seenKey = Array(#""last_seen":"#.utf8)
        var out: [String: Int64] = [:]
        return body.withUnsafeBufferPointer { p -> [String: Int64]? in
            func find(_ key: [UInt8], from: Int) -> Int? {
                var i = from
                while i + key.count <= p.count {
                    if p[i] == key[0] {
                        var k = 1
                        while k < key.count && p[i + k] == key[k] { k += 1 }
                        if k == key.count { return i + key.count }
                    }
                    i += 1
                }
                return nil
            }
            func quoted(from: Int) -> (String, Int)? {
                var j = from
                while j < p.count && p[j] != UInt8(ascii: "\"") { j += 1 }
                guard j < p.count else { return nil }
                return (String(decoding: UnsafeBufferPointer(rebasing: p[from..<j]), as: UTF8.self), j + 1)
            }
            var at = 0
            while let idStart = find(idKey, from: at) {
                guard let (id, afterID) = quoted(from: idStart), let seenStart = find(seenKey, from: afterID) else { return nil }
                at = seenStart
                if seenStart < p.count, p[seenStart] == UInt8(ascii: "\"") {
                    guard let (text, after) = quoted(from: seenStart + 1), let ms = Timestamp.parse(text) else { return nil }
                    out[id] = ms
                    at = after
                }
            }
            return out
        }
    }

    /// A maintenance silence of a station over `[from, to)`; returns its id.
    func maintenanceSilence(station: String, from: Int64, to: Int64, reason: String) throws -> String {
        let body = "{\"station\":\(JSONString.literal(station)),\"from\":\(JSONString.literal(Timestamp.format(ms: from))),"
            + "\"to\":\(JSONString.literal(Timestamp.format(ms: to))),\"reason\":\(JSONString.literal(reason)),\"maintenance\":true}"
        let reply = try request("POST", "/api/v1/silences", body: body)
        guard (200..<300).contains(reply.status) else {
            throw ScoreError("\(endpoint.display)/api/v1/silences refused the maintenance silence of \(station): HTTP \(reply.status): \(reply.text.prefix(300))")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any]
        return (object?["id"] as? String) ?? (object?["id"]).map { "\($0)" } ?? "?"
    }
}
