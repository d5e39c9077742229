import Foundation
import Testing
import YizhanCore
import YizhanMQTT
import YizhanProcess

/// TLS to a real mosquitto with certificates made here by `openssl`, and the shipped ACL
/// (config/mosquitto.acl) enforced by a real mosquitto, through the service into its store.
@Suite struct BrokerSecurityTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func sh(_ executable: String, _ args: [String], in s: Scratch) throws {
        let out = s.path("cmd-\(UUID().uuidString).txt")
        let p = try ChildProcess(executable: executable, arguments: args, stdoutPath: out, stderrPath: out)
        let code = ChildProcess.exitCode(p.waitForExit(timeout: 60) ?? -1)
        guard code == 0 else {
            throw HarnessError("\(executable) \(args.joined(separator: " ")) exited \(code): \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
        }
    }

    /// A CA, and certificates it signed for the broker (IP 127.0.0.1) and for a client.
    static func makeCertificates(_ s: Scratch, ca name: String = "ca") throws {
        let openssl = "/usr/bin/openssl"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try sh(openssl, ["req", "-x509"] + ec + ["-keyout", s.path("\(name).key"), "-out", s.path("\(name).crt"),
                                              "-subj", "/CN=yizhan test \(name)", "-days", "2"], in: s)
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: s.path("san.ext"), atomically: true, encoding: .utf8)
        for who in ["server", "client"] {
            try sh(openssl, ["req"] + ec + ["-keyout", s.path("\(who).key"), "-out", s.path("\(who).csr"), "-subj", "/CN=\(who == "server" ? "127.0.0.1" : "yizhan")"], in: s)
            try sh(openssl, ["x509", "-req", "-in", s.path("\(who).csr"), "-CA", s.path("\(name).crt"), "-CAkey", s.path("\(name).key"),
                             "-CAcreateserial", "-out", s.path("\(who).crt"), "-days", "2"] + (who == "server" ? ["-extfile", s.path("san.ext")] : []), in: s)
        }
    }

    @Test func theServiceSubscribesOverTLSWithAClientCertificate() throws {
        let s = try Scratch()
        try Self.makeCertificates(s)
        let tlsPort = LoopbackPort.free()
        // A plain listener for the test's publisher, a TLS one (client certificate required) for the service.
        let broker = try MosquittoBroker(extraConfig: [
            "listener \(tlsPort) 127.0.0.1", "cafile \(s.path("ca.crt"))", "certfile \(s.path("server.crt"))",
            "keyfile \(s.path("server.key"))", "require_certificate true",
        ])
        #expect(LoopbackPort.waitUntilAccepting(port: tlsPort, timeout: 10))
        let service = ServiceUnderTest(scratch: s, brokerURL: "mqtt://127.0.0.1:\(tlsPort)", extraArgs: [
            "--broker-ca", s.path("ca.crt"), "--broker-cert", s.path("client.crt"), "--broker-key", s.path("client.key"),
        ])
        try writeRegistry(service.stations, stations: [("tls-001", "150100", true)])
        try service.start()
        defer { service.stop() }
        let publisher = try TestPublisher(broker: broker.url)
        try publisher.publish("yizhan/v1/150100/tls-001/telemetry", "{\"ts\":\(nowMs()),\"fridge_c\":3.25}")
        #expect(waitUntil(20) {
            ((service.get("/api/v1/stations/tls-001")?.json as? [String: Any])?["latest"] as? [String: Any])?["fridge_c"] != nil
        }, "\(service.log)")

        // Without its client certificate the broker refuses the service.
        let s2 = try Scratch()
        let bare = ServiceUnderTest(scratch: s2, brokerURL: "mqtt://127.0.0.1:\(tlsPort)", extraArgs: ["--broker-ca", s.path("ca.crt")])
        try writeRegistry(bare.stations, stations: [("tls-001", "150100", true)])
        try bare.start(ready: false)
        defer { bare.stop() }
        #expect(waitUntil(15) { bare.log.contains("connecting to broker") })
        #expect(bare.get("/readyz")?.status == 503)
    }

    @Test func aBrokerCertificateFromAnotherCAIsRefused() throws {
        let s = try Scratch()
        try Self.makeCertificates(s)
        let other = try Scratch()
        try Self.makeCertificates(other, ca: "rogue")
        let tlsPort = LoopbackPort.free()
        let broker = try MosquittoBroker(extraConfig: [
            "listener \(tlsPort) 127.0.0.1", "certfile \(other.path("server.crt"))", "keyfile \(other.path("server.key"))",
        ])
        _ = broker
        #expect(LoopbackPort.waitUntilAccepting(port: tlsPort, timeout: 10))
        let service = ServiceUnderTest(scratch: s, brokerURL: "mqtt://127.0.0.1:\(tlsPort)", extraArgs: ["--broker-ca", s.path("ca.crt")])
        try writeRegistry(service.stations, stations: [("tls-001", "150100", true)])
        try service.start(ready: false)
        defer { service.stop() }
        #expect(waitUntil(20) { service.log.contains("certificate verify failed") }, "\(service.log)")
        // The MQTT thread may log the refusal before the HTTP server listens.
        #expect(waitUntil(20) { service.get("/readyz") != nil })
        #expect(service.get("/readyz")?.status == 503)
    }

    @Test func tlsSetupErrorsCarryMosquittosCodeAndMessage() {
        var options = MQTTOptions(clientID: "tls-bad")
        options.tls = MQTTTLS(caFile: "/nonexistent/ca.pem")
        do {
            _ = try MQTTClient(options: options, events: MQTTEvents())
            Issue.record("a missing CA file was accepted")
        } catch {
            #expect(error.code == 3)  // MOSQ_ERR_INVAL
            #expect(error.message == "Invalid function arguments provided.")
            #expect(error.description.contains("mosquitto_tls_set(ca /nonexistent/ca.pem"))
        }
    }

    /// A station client with its own user name, as the ACL's `%u` patterns expect.
    final class StationClient: @unchecked Sendable {
        let client: MQTTClient
        private let connected = TestShared(false)

        init(broker: MosquittoBroker, user: String, password: String, id: String? = nil) throws {
            var events = MQTTEvents()
            let flag = connected
            events.connected = { rc in if rc == 0 { flag.set(true) } }
            var options = MQTTOptions(clientID: id ?? "station-\(user)")
            options.username = user
            options.password = password
            client = try MQTTClient(options: options, events: events)
            try client.start(broker: MQTTBroker(host: "127.0.0.1", port: broker.port))
            guard waitUntil(10, { flag.value }) else { throw HarnessError("\(user) could not log in") }
        }

        func publish(_ topic: String, _ payload: String) throws {
            try client.publish(topic: topic, payload: Array(payload.utf8), qos: 1)
        }
    }

    @Test func theShippedACLKeepsEachStationToItsOwnTopics() throws {
        let s = try Scratch()
        let passwords = s.path("yizhan.passwd")
        try Self.sh("/usr/bin/mosquitto_passwd", ["-c", "-b", passwords, "yizhan", "service-secret"], in: s)
        try Self.sh("/usr/bin/mosquitto_passwd", ["-b", passwords, "acl-a", "secret-a"], in: s)
        try Self.sh("/usr/bin/mosquitto_passwd", ["-b", passwords, "acl-b", "secret-b"], in: s)
        let acl = Self.repoRoot.appendingPathComponent("config/mosquitto.acl").path
        let broker = try MosquittoBroker(extraConfig: ["allow_anonymous false", "password_file \(passwords)", "acl_file \(acl)"])
        let service = ServiceUnderTest(scratch: s, brokerURL: broker.url)
        try writeRegistry(service.stations, stations: [("acl-a", "150100", true), ("acl-b", "150100", true)])
        try "{mqtt_username: \"yizhan\", mqtt_password: \"service-secret\"}".write(toFile: s.path("none.json5"), atomically: true, encoding: .utf8)
        try service.start()
        defer { service.stop() }
        let b = try StationClient(broker: broker, user: "acl-b", password: "secret-b")
        let t0 = nowMs()
        try b.publish("yizhan/v1/150100/acl-b/telemetry", "{\"ts\":\(t0),\"fridge_c\":1}")
        // acl-a pretends to be acl-b (mosquitto 2.0.11 drops the message and then the connection,
        // so each forgery gets a connection of its own), then sends a reading of its own.
        try StationClient(broker: broker, user: "acl-a", password: "secret-a", id: "forger-1")
            .publish("yizhan/v1/150100/acl-b/telemetry", "{\"ts\":\(t0 + 1),\"fridge_c\":666}")
        try StationClient(broker: broker, user: "acl-a", password: "secret-a", id: "forger-2")
            .publish("yizhan/v1/150100/acl-b/status", "{\"ts\":\(t0 + 1),\"online\":false}")
        let a = try StationClient(broker: broker, user: "acl-a", password: "secret-a")
        try a.publish("yizhan/v1/150100/acl-a/telemetry", "{\"ts\":\(t0 + 2),\"fridge_c\":2}")
        func latest(_ id: String) -> Double? {
            let station = service.get("/api/v1/stations/\(id)")?.json as? [String: Any]
            return ((station?["latest"] as? [String: Any])?["fridge_c"] as? [String: Any])?["value"] as? Double
        }
        #expect(waitUntil(20) { latest("acl-a") == 2 && latest("acl-b") == 1 }, "\(service.log)")
        // acl-a's own reading was stored after its forged one was sent; the forged one never arrives.
        let from = Timestamp.format(ms: t0 - 1), to = Timestamp.format(ms: t0 + 10)
        let series = service.get("/api/v1/stations/acl-b/series?metric=fridge_c&from=\(from)&to=\(to)")?.json as? [String: Any]
        #expect((series?["points"] as? [[Any]])?.count == 1)
        #expect(latest("acl-b") == 1)
        // Nor does its forged "offline" status: acl-b, heard just now, is online.
        #expect((service.get("/api/v1/stations/acl-b")?.json as? [String: Any])?["online"] as? Bool == true)
        // A wrong password does not get in at all.
        #expect(throws: HarnessError.self) { _ = try StationClient(broker: broker, user: "acl-a", password: "guess") }
    }
}
