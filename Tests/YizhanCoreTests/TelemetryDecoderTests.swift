import Foundation
import Testing
import YizhanCore

private let registry = try! Registry(stations: [
    Station(id: "hh-001", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.84, lon: 111.75, unmanned: true),
    Station(id: "bt_002", name: "包头市昆都仑区驿站", region: "150200", lat: 40.66, lon: 109.84, unmanned: false),
])
private let decoder = TelemetryDecoder(prefix: "yizhan/v1", limits: IngestLimits())
private let now: Int64 = 1_763_700_000_000
private let telemetry = "yizhan/v1/150100/hh-001/telemetry"
private let status = "yizhan/v1/150100/hh-001/status"

private func decode(_ json: String, topic: String = telemetry, at: Int64 = now) -> DecodedMessage {
    decoder.decode(topic: topic, payload: json.bytes, receivedAt: at, registry: registry)
}

private func reading(_ metric: String, _ value: MetricValue, _ kind: MetricKind, ts: Int64 = now) -> Reading {
    Reading(station: "hh-001", metric: metric, ts: ts, value: value, kind: kind)
}

private func reject(_ reason: RejectReason, _ detail: String, topic: String = telemetry, station: String? = "hh-001") -> Reject {
    Reject(ts: now, station: station, topic: topic, reason: reason, detail: detail)
}

@Suite("TelemetryDecoder")
struct TelemetryDecoderTests {
    // MARK: Good input

    @Test("the protocol's example sample becomes seven typed readings at its own ts")
    func specSample() {
        let m = decode(#"{"ts": 1763700000123, "seq": 1042, "door_open": false, "mains": true, "battery_pct": 87.5, "water_ok": true, "leak": false, "occupancy": 3, "fridge_c": 4.2}"#)
        let ts: Int64 = 1_763_700_000_123
        #expect(m == DecodedMessage(readings: [
            reading("door_open", .bool(false), .bool, ts: ts),
            reading("mains", .bool(true), .bool, ts: ts),
            reading("battery_pct", .number(87.5), .number, ts: ts),
            reading("water_ok", .bool(true), .bool, ts: ts),
            reading("leak", .bool(false), .bool, ts: ts),
            reading("occupancy", .number(3), .integer, ts: ts),
            reading("fridge_c", .number(4.2), .number, ts: ts),
        ], rejects: [], status: nil, samples: 1, seqs: [SampleSeq(seq: 1042, ts: ts)]))
    }

    @Test("a sample without ts is stamped with the receive time; a partial sample is fine")
    func missingTs() {
        let m = decode(#"{"door_open": true}"#)
        #expect(m.readings == [reading("door_open", .bool(true), .bool, ts: now)])
        #expect(m.rejects.isEmpty && m.samples == 1 && m.seqs.isEmpty)
        let empty = decode("{}")
        #expect(empty == DecodedMessage(samples: 1))
    }

    @Test("unknown well-named keys become generic metrics typed by their value")
    func genericMetrics() {
        let m = decode(#"{"ice_maker_on": true, "charger_w": 120.5, "x": -3, "a23456789012345678901234567890_b": 1}"#)
        #expect(m.readings == [
            reading("ice_maker_on", .bool(true), .bool),
            reading("charger_w", .number(120.5), .number),
            reading("x", .number(-3), .number),
            reading("a23456789012345678901234567890_b", .number(1), .number),
        ])
        #expect(m.rejects.isEmpty)
    }

    @Test("a batch stores each sample under its own ts, in payload order")
    func batch() {
        let m = decode(#"[{"ts": 1763699990000, "seq": 7, "mains": false}, {"ts": 1763699995000, "seq": 8, "mains": true, "occupancy": 2}, {"seq": 9, "leak": true}]"#)
        #expect(m.samples == 3)
        #expect(m.readings == [
            reading("mains", .bool(false), .bool, ts: 1_763_699_990_000),
            reading("mains", .bool(true), .bool, ts: 1_763_699_995_000),
            reading("occupancy", .number(2), .integer, ts: 1_763_699_995_000),
            reading("leak", .bool(true), .bool, ts: now),
        ])
        #expect(m.seqs == [SampleSeq(seq: 7, ts: 1_763_699_990_000), SampleSeq(seq: 8, ts: 1_763_699_995_000), SampleSeq(seq: 9, ts: now)])
        #expect(m.rejects.isEmpty)
        #expect(decode("[]") == DecodedMessage(samples: 0))
    }

    @Test("integer metrics take any integral number: 3, 3.0, 3e0, 30e-1")
    func integral() {
        for text in ["3", "3.0", "3e0", "30e-1", "0.3e1", "3.000"] {
            let m = decode("{\"occupancy\": \(text)}")
            #expect(m.readings == [reading("occupancy", .number(3), .integer)], "\(text)")
            #expect(m.rejects.isEmpty)
        }
        #expect(decode(#"{"occupancy": -0}"#).readings == [reading("occupancy", .number(0), .integer)])
    }

    @Test("ts accepts integral numbers in any notation")
    func tsNotations() {
        #expect(decode(#"{"ts": 1.763699999e12, "mains": true}"#).readings == [reading("mains", .bool(true), .bool, ts: 1_763_699_999_000)])
        #expect(decode(#"{"ts": 1763699999000.0, "mains": true}"#).readings == [reading("mains", .bool(true), .bool, ts: 1_763_699_999_000)])
    }

    // MARK: The bad-input table

    @Test("payload over the limit: too_large, checked before anything else")
    func tooLarge() {
        let limit = IngestLimits().maxPayloadBytes
        #expect(limit == 64 * 1024)
        let pad = String(repeating: " ", count: limit - 2)
        let atLimit = decode("{" + pad + "}")
        #expect(atLimit.rejects.isEmpty && atLimit.samples == 1, "exactly 64 KiB is allowed")

        let over = decode("{" + pad + " }")
        #expect(over == DecodedMessage(rejects: [reject(.tooLarge, "payload of 65537 bytes exceeds the 65536-byte limit")]))

        // 1 MB of garbage is refused without being looked at, whatever the topic.
        let garbage = [UInt8](repeating: 0xFF, count: 1 << 20)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<1000 {
            let m = decoder.decode(topic: "nonsense", payload: garbage, receivedAt: now, registry: registry)
            #expect(m.rejects.count == 1 && m.rejects[0].reason == .tooLarge && m.rejects[0].station == nil)
        }
        #expect(clock.now - start < .seconds(2))
        let onStatus = decoder.decode(topic: status, payload: garbage, receivedAt: now, registry: registry)
        #expect(onStatus.rejects.map(\.reason) == [.tooLarge] && onStatus.rejects[0].topic == status && onStatus.status == nil)

        let small = TelemetryDecoder(prefix: "yizhan/v1", limits: IngestLimits(maxPayloadBytes: 10))
        #expect(small.decode(topic: telemetry, payload: "{\"a\":10000}".bytes, receivedAt: now, registry: registry).rejects.map(\.reason) == [.tooLarge])
        #expect(small.decode(topic: telemetry, payload: "{\"a\":1000}".bytes, receivedAt: now, registry: registry).rejects.isEmpty)
    }

    @Test("topic not of the protocol's form: bad_topic without a station", arguments: [
        "", "yizhan/v1", "yizhan/v1/", "yizhan/v1/150100", "yizhan/v1/150100/hh-001", "yizhan/v1/150100/hh-001/",
        "yizhan/v1/150100/hh-001/telemetry/x", "yizhan/v1/150100/hh-001/alerts", "yizhan/v1/150100/hh-001/alerts/door",
        "yizhan/v1/150100/hh-001/Telemetry", "yizhan/v1/150100/hh-001/telemetryx", "yizhan/v1/15010/hh-001/telemetry",
        "yizhan/v1/1501000/hh-001/telemetry", "yizhan/v1/15010a/hh-001/telemetry", "yizhan/v1/150100//telemetry",
        "yizhan/v1/150100/hh 001/telemetry", "yizhan/v1/150100/hh.001/telemetry", "yizhan/v1/150100/驿站/telemetry",
        "yizhan/v2/150100/hh-001/telemetry", "yizhan/v1150100/hh-001/telemetry", "/yizhan/v1/150100/hh-001/telemetry",
        "yizhan/v1//150100/hh-001/telemetry", "Yizhan/v1/150100/hh-001/telemetry", "x/yizhan/v1/150100/hh-001/telemetry",
        "yizhan/v1/150100/" + String(repeating: "a", count: 65) + "/telemetry", "yizhan/v1/１５０１００/hh-001/telemetry",
    ])
    func badTopic(topic: String) {
        let m = decode(#"{"mains": true}"#, topic: topic)
        #expect(m.readings.isEmpty && m.status == nil && m.samples == 0)
        #expect(m.rejects.count == 1)
        #expect(m.rejects.first?.reason == .badTopic)
        #expect(m.rejects.first?.station == nil)
        #expect(m.rejects.first?.topic == topic)
        #expect(m.rejects.first?.ts == now)
    }

    @Test("a 64-character station id is a valid topic")
    func longStationID() {
        let id = String(repeating: "Z", count: 64)
        let m = decode("{}", topic: "yizhan/v1/150100/\(id)/telemetry")
        #expect(m.rejects.map(\.reason) == [.unknownStation])
        #expect(m.rejects.first?.station == id)
    }

    @Test("the topic check agrees with StationTopic.parse on random topics, with any prefix")
    func topicDifferential() {
        var rng = SeededRandom(seed: 42)
        let pieces = ["yizhan", "v1", "150100", "150200", "hh-001", "bt_002", "telemetry", "status", "", "x", "15010", "a b", "é", "ü/", "-", "_", "1501000", "alerts"]
        for prefix in ["yizhan/v1", "a", "驿站/v1", "e\u{301}"] {
            let d = TelemetryDecoder(prefix: prefix, limits: IngestLimits())
            for _ in 0..<3000 {
                var topic = Int.random(in: 0..<3, using: &rng) == 0 ? "" : prefix + "/"
                for i in 0..<Int.random(in: 0...4, using: &rng) {
                    topic += (i == 0 ? "" : "/") + pieces[Int.random(in: 0..<pieces.count, using: &rng)]
                }
                let parsed = StationTopic.parse(topic, prefix: prefix)
                let m = d.decode(topic: topic, payload: "{}".bytes, receivedAt: now, registry: .empty)
                if let parsed {
                    #expect(m.rejects.map(\.reason) == [.unknownStation], "\(topic)")
                    #expect(m.rejects.first?.station == parsed.station)
                } else {
                    #expect(m.rejects.map(\.reason) == [.badTopic], "\(topic)")
                }
            }
        }
    }

    @Test("station not registered, or registered under another region: unknown_station")
    func unknownStation() {
        let unknown = decode(#"{"mains": true}"#, topic: "yizhan/v1/150100/hh-999/telemetry")
        #expect(unknown == DecodedMessage(rejects: [reject(.unknownStation, #"station "hh-999" is not registered"#,
                                                           topic: "yizhan/v1/150100/hh-999/telemetry", station: "hh-999")]))
        let wrongRegion = decode(#"{"mains": true}"#, topic: "yizhan/v1/150200/hh-001/telemetry")
        #expect(wrongRegion == DecodedMessage(rejects: [reject(.unknownStation, #"station "hh-001" is registered under region 150100, not 150200"#,
                                                               topic: "yizhan/v1/150200/hh-001/telemetry")]))
        let wrongRegionStatus = decode("online", topic: "yizhan/v1/150200/hh-001/status")
        #expect(wrongRegionStatus.rejects.map(\.reason) == [.unknownStation] && wrongRegionStatus.status == nil)
        // Station ids are case-sensitive.
        #expect(decode("{}", topic: "yizhan/v1/150100/HH-001/telemetry").rejects.map(\.reason) == [.unknownStation])
        // The other station in its own region is fine.
        #expect(decode(#"{"mains": true}"#, topic: "yizhan/v1/150200/bt_002/telemetry").readings.first?.station == "bt_002")
    }

    @Test("status: online / offline become a status event at receive time")
    func statusMessages() {
        #expect(decode("online", topic: status) == DecodedMessage(status: StatusEvent(station: "hh-001", ts: now, online: true)))
        #expect(decode("offline", topic: status) == DecodedMessage(status: StatusEvent(station: "hh-001", ts: now, online: false)))
        #expect(decode(" \r\n\tonline\n", topic: status).status?.online == true)
        #expect(decode("offline\r\n", topic: status).status?.online == false)
    }

    @Test("status: anything else is malformed", arguments: [
        "", " ", "Online", "ONLINE", "on line", "online!", "onlinex", "\"online\"", "{}", "{\"status\":\"online\"}", "true", "1", "online offline", "off\u{0}line",
    ])
    func badStatus(payload: String) {
        let m = decode(payload, topic: status)
        #expect(m.status == nil)
        #expect(m.rejects.map(\.reason) == [.malformed])
        #expect(m.rejects.first?.station == "hh-001" && m.rejects.first?.topic == status)
        #expect(m.rejects.first?.detail.hasPrefix("status payload must be online or offline, got ") == true)
    }

    @Test("status with invalid UTF-8 is malformed, and the detail stays printable")
    func badStatusBytes() {
        let m = decoder.decode(topic: status, payload: [0x6F, 0x6E, 0xFF, 0x0A, 0x00], receivedAt: now, registry: registry)
        #expect(m.rejects.map(\.reason) == [.malformed])
        #expect(m.rejects.first?.detail == #"status payload must be online or offline, got "on\#u{FFFD}\n\u0000""#)
    }

    @Test("payload not JSON, or not an object / array of objects: the whole message is malformed", arguments: [
        "", "   ", "mains=true", "online", "{", "{\"mains\": true", "{\"mains\": true,}", "{\"mains\": true}}", "{\"mains\": True}",
        "[{\"mains\": true},]", "{'mains': true}", "{mains: true}", "{\"mains\": true} {\"leak\": false}", "[{\"mains\": true}, 1]",
        "[{\"mains\": true}, [{}]]", "1", "\"x\"", "null", "true", "[1, 2]", "[null]", "[[]]", "{\"fridge_c\": NaN}",
        "{\"fridge_c\": Infinity}", "{\"fridge_c\": 01}", "{\"a\": 1 /* comment */}", "{\"mains\": true, \"x\": \"\\uD800\"}",
        "{\"a\": \"tab\tinside\"}", "\u{FEFF}{\"mains\": true}",
    ])
    func malformed(payload: String) {
        let m = decode(payload)
        #expect(m.readings.isEmpty && m.samples == 0 && m.seqs.isEmpty && m.status == nil, "\(payload)")
        #expect(m.rejects.map(\.reason) == [.malformed], "\(payload)")
        #expect(m.rejects.first?.station == "hh-001")
        #expect(m.rejects.first?.detail.hasPrefix("not a JSON object or array of objects: ") == true)
    }

    @Test("invalid UTF-8 anywhere makes the whole message malformed, even after good samples")
    func malformedUTF8() {
        let cases: [[UInt8]] = [
            Array(#"{"mains": true, "note": ""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8),
            Array(#"[{"mains": true}, {"x": {"y": ""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}}]"#.utf8),
            Array(#"{"mains": true, ""#.utf8) + [0xF4, 0x90, 0x80, 0x80] + Array(#"": 1}"#.utf8),
            Array(#"{"mains": true}"#.utf8) + [0xFF],
        ]
        for payload in cases {
            let m = decoder.decode(topic: telemetry, payload: payload, receivedAt: now, registry: registry)
            #expect(m.readings.isEmpty)
            #expect(m.rejects.map(\.reason) == [.malformed])
        }
    }

    @Test("nesting deeper than 32 is malformed; 100k brackets are rejected fast")
    func malformedDepth() {
        let ok = decode("{\"mains\": true, \"x\": " + String(repeating: "[", count: 31) + String(repeating: "]", count: 31) + "}")
        #expect(ok.readings.count == 1 && ok.rejects.map(\.reason) == [.badType])
        let deep = decode("{\"mains\": true, \"x\": " + String(repeating: "[", count: 32) + String(repeating: "]", count: 32) + "}")
        #expect(deep.readings.isEmpty && deep.rejects.map(\.reason) == [.malformed])
        let huge = TelemetryDecoder(prefix: "yizhan/v1", limits: IngestLimits(maxPayloadBytes: 1 << 20))
        let m = huge.decode(topic: telemetry, payload: Array("{\"a\":".utf8) + [UInt8](repeating: 0x5B, count: 100_000), receivedAt: now, registry: registry)
        #expect(m.rejects.map(\.reason) == [.malformed])
        #expect(m.rejects.first?.detail == "not a JSON object or array of objects: nesting deeper than 32 at byte 36")
    }

    @Test("values of a wrong type: bad_type for that reading only", arguments: [
        (#""x""#, "string"), ("null", "null"), (#"{"a": 1}"#, "object"), ("[1]", "array"), ("[]", "array"), (#""""#, "string"),
    ])
    func wrongTypes(value: String, type: String) {
        let m = decode("{\"mains\": true, \"fridge_c\": \(value), \"door_open\": \(value), \"occupancy\": \(value), \"ice_c\": \(value), \"leak\": false}")
        #expect(m.readings == [reading("mains", .bool(true), .bool), reading("leak", .bool(false), .bool)])
        #expect(m.rejects == [
            reject(.badType, "fridge_c: expected number, got \(type)"),
            reject(.badType, "door_open: expected boolean, got \(type)"),
            reject(.badType, "occupancy: expected integer, got \(type)"),
            reject(.badType, "ice_c: expected number or boolean, got \(type)"),
        ])
    }

    @Test("known metrics take only their own type")
    func knownTypes() {
        let m = decode(#"{"mains": 1, "door_open": 0, "water_ok": "true", "leak": true, "battery_pct": true, "fridge_c": false, "occupancy": 3.5, "occupancy_x": 3.5}"#)
        #expect(m.readings == [reading("leak", .bool(true), .bool), reading("occupancy_x", .number(3.5), .number)])
        #expect(m.rejects == [
            reject(.badType, "mains: expected boolean, got number"),
            reject(.badType, "door_open: expected boolean, got number"),
            reject(.badType, "water_ok: expected boolean, got string"),
            reject(.badType, "battery_pct: expected number, got boolean"),
            reject(.badType, "fridge_c: expected number, got boolean"),
            reject(.badType, "occupancy: expected integer, got 3.5"),
        ])
        #expect(decode(#"{"occupancy": true}"#).rejects == [reject(.badType, "occupancy: expected integer, got boolean")])
        #expect(decode(#"{"occupancy": 2.0000001}"#).rejects == [reject(.badType, "occupancy: expected integer, got 2.0000001")])
    }

    @Test("valid ranges are inclusive at both ends", arguments: [
        ("battery_pct", "0", true), ("battery_pct", "100", true), ("battery_pct", "100.0", true), ("battery_pct", "-0.0", true),
        ("battery_pct", "100.0001", false), ("battery_pct", "-0.001", false), ("battery_pct", "1e3", false),
        ("fridge_c", "-40", true), ("fridge_c", "60", true), ("fridge_c", "-40.0", true), ("fridge_c", "59.999", true),
        ("fridge_c", "-40.01", false), ("fridge_c", "60.01", false), ("fridge_c", "75", false), ("fridge_c", "-273.15", false),
        ("occupancy", "0", true), ("occupancy", "500", true), ("occupancy", "5e2", true), ("occupancy", "501", false), ("occupancy", "-1", false),
    ])
    func ranges(metric: String, value: String, ok: Bool) {
        let m = decode("{\"\(metric)\": \(value)}")
        if ok {
            #expect(m.readings.count == 1 && m.rejects.isEmpty, "\(metric)=\(value)")
            #expect(m.readings.first?.value == .number(Double(value)!))
        } else {
            let range = ["battery_pct": "0…100", "fridge_c": "-40…60", "occupancy": "0…500"][metric]!
            #expect(m.readings.isEmpty)
            #expect(m.rejects == [reject(.outOfRange, "\(metric): \(value) outside \(range)")])
        }
    }

    @Test("numbers beyond a double are out of range, for known and generic metrics")
    func nonFinite() {
        let m = decode(#"{"fridge_c": 1e999, "occupancy": -1e400, "ice_c": 1e309, "ok": 1.7976931348623157e308}"#)
        #expect(m.readings == [reading("ok", .number(.greatestFiniteMagnitude), .number)])
        #expect(m.rejects == [
            reject(.outOfRange, "fridge_c: 1e999 is not a finite number"),
            reject(.outOfRange, "occupancy: -1e400 is not a finite number"),
            reject(.outOfRange, "ice_c: 1e309 is not a finite number"),
        ])
    }

    @Test("keys that are not metric names: bad_metric", arguments: [
        "Mains", "1abc", "_x", "a-b", "a b", "", "é", "ice.c", "a23456789012345678901234567890_bc", "TS", "fridge_C", "\\u0000",
    ])
    func badMetric(key: String) {
        let m = decode("{\"\(key)\": 1, \"mains\": true}")
        #expect(m.readings == [reading("mains", .bool(true), .bool)])
        #expect(m.rejects.map(\.reason) == [.badMetric])
        #expect(m.rejects.first?.detail.hasSuffix(": not a valid metric name ([a-z][a-z0-9_]{0,31})") == true)
    }

    @Test("bad_metric details quote the key, escape control characters and clip long keys")
    func badMetricDetail() {
        #expect(decode(#"{"Temp": 1}"#).rejects.first?.detail == #""Temp": not a valid metric name ([a-z][a-z0-9_]{0,31})"#)
        #expect(decode(#"{"a\nb\"": 1}"#).rejects.first?.detail == #""a\nb\"": not a valid metric name ([a-z][a-z0-9_]{0,31})"#)
        let long = String(repeating: "K", count: 50_000)
        let detail = decode("{\"\(long)\": 1}").rejects.first?.detail ?? ""
        #expect(detail == "\"" + String(repeating: "K", count: 64) + "…\": not a valid metric name ([a-z][a-z0-9_]{0,31})")
    }

    @Test("bad_metric takes precedence over the value's type")
    func badMetricAndType() {
        #expect(decode(#"{"Bad Key": "x"}"#).rejects.map(\.reason) == [.badMetric])
    }

    @Test("ts that is not an integral number: the sample is rejected bad_type, naming ts", arguments: [
        (#""1763700000000""#, "string"), ("1763700000000.5", "1763700000000.5"), ("null", "null"), ("true", "boolean"),
        ("{}", "object"), ("[1763700000000]", "array"), ("1.5", "1.5"), ("1e999", "1e999"),
    ])
    func badTs(value: String, shown: String) {
        let m = decode("{\"ts\": \(value), \"seq\": 5, \"mains\": true, \"Bad\": 1, \"fridge_c\": 99}")
        #expect(m.readings.isEmpty)
        #expect(m.rejects == [reject(.badType, "ts: expected integer milliseconds, got \(shown)")])
        #expect(m.seqs == [SampleSeq(seq: 5, ts: now)], "the sample was received")
        #expect(m.samples == 1)
    }

    @Test("ts more than 5 minutes ahead: clock_skew for the whole sample")
    func clockSkew() {
        let limit = IngestLimits().maxClockAheadMs
        #expect(limit == 300_000)
        #expect(decode("{\"ts\": \(now + limit), \"mains\": true}").readings == [reading("mains", .bool(true), .bool, ts: now + limit)])
        let m = decode("{\"ts\": \(now + limit + 1), \"seq\": 3, \"mains\": true, \"fridge_c\": 99}")
        #expect(m.readings.isEmpty)
        #expect(m.rejects == [reject(.clockSkew, "ts \(now + limit + 1) (2025-11-21T04:45:00.001Z) is 5m1ms ahead of the service clock (limit 5m)")])
        #expect(m.seqs == [SampleSeq(seq: 3, ts: now + limit + 1)])
        // Absurd values saturate instead of overflowing.
        #expect(decode(#"{"ts": 9223372036854775807, "mains": true}"#).rejects.map(\.reason) == [.clockSkew])
        #expect(decode(#"{"ts": 1e30, "mains": true}"#).rejects.map(\.reason) == [.clockSkew])
        #expect(decoder.decode(topic: telemetry, payload: #"{"ts": 1e30}"#.bytes, receivedAt: .max, registry: registry).rejects.isEmpty)
    }

    @Test("ts older than the retention: too_old for the whole sample")
    func tooOld() {
        let retention = IngestLimits().retentionMs
        #expect(retention == 90 * 86_400_000)
        #expect(decode("{\"ts\": \(now - retention), \"mains\": true}").readings.count == 1)
        let m = decode("{\"ts\": \(now - retention - 1), \"mains\": true}")
        #expect(m.readings.isEmpty)
        #expect(m.rejects == [reject(.tooOld, "ts \(now - retention - 1) (2025-08-23T04:39:59.999Z) is older than the 90d retention")])
        #expect(decode(#"{"ts": 0, "mains": true}"#).rejects.map(\.reason) == [.tooOld])
        #expect(decode(#"{"ts": -1, "mains": true}"#).rejects.map(\.reason) == [.tooOld])
        #expect(decode(#"{"ts": -1e30, "mains": true}"#).rejects.map(\.reason) == [.tooOld])
        #expect(decoder.decode(topic: telemetry, payload: #"{"ts": -1e30}"#.bytes, receivedAt: .min, registry: registry).rejects.isEmpty)
    }

    @Test("custom limits are honoured")
    func customLimits() {
        let d = TelemetryDecoder(prefix: "p", limits: IngestLimits(maxPayloadBytes: 1000, maxClockAheadMs: 1000, retentionMs: 60_000))
        func reasons(_ ts: Int64) -> [RejectReason] {
            d.decode(topic: "p/150100/hh-001/telemetry", payload: "{\"ts\": \(ts), \"mains\": true}".bytes, receivedAt: now, registry: registry).rejects.map(\.reason)
        }
        #expect(reasons(now + 1000) == [] && reasons(now + 1001) == [.clockSkew])
        #expect(reasons(now - 60_000) == [] && reasons(now - 60_001) == [.tooOld])
        let m = d.decode(topic: "p/150100/hh-001/telemetry", payload: "{\"ts\": \(now + 5000)}".bytes, receivedAt: now, registry: registry)
        #expect(m.rejects.first?.detail.hasSuffix("is 5s ahead of the service clock (limit 1s)") == true)

        // Extreme limits saturate instead of trapping.
        for extreme in [Int64.max, .min, 0] {
            let e = TelemetryDecoder(prefix: "p", limits: IngestLimits(maxPayloadBytes: .max, maxClockAheadMs: extreme, retentionMs: extreme))
            for ts in [Int64.max, .min, 0, now] {
                for at in [Int64.max, .min, now] {
                    _ = e.decode(topic: "p/150100/hh-001/telemetry", payload: "{\"ts\": \(ts), \"mains\": true}".bytes, receivedAt: at, registry: registry)
                }
            }
        }
        let open = TelemetryDecoder(prefix: "p", limits: IngestLimits(maxClockAheadMs: .max, retentionMs: .max))
        func reasons(_ payload: String) -> [RejectReason] {
            open.decode(topic: "p/150100/hh-001/telemetry", payload: payload.bytes, receivedAt: now, registry: registry).rejects.map(\.reason)
        }
        #expect(reasons(#"{"ts": 0, "x": 1}"#) == [])
        #expect(reasons(#"{"ts": 9223372036854775807, "x": 1}"#) == [])
        #expect(reasons(#"{"ts": -9223372036854775808, "x": 1}"#) == [.tooOld])
    }

    @Test("seq must be an unsigned 32-bit integer; otherwise one bad_type and the readings stay", arguments: [
        ("-1", "-1"), ("4294967296", "4294967296"), ("1.5", "1.5"), (#""7""#, "string"), ("null", "null"), ("true", "boolean"), ("[]", "array"),
    ])
    func badSeq(value: String, shown: String) {
        let m = decode("{\"seq\": \(value), \"mains\": true}")
        #expect(m.readings == [reading("mains", .bool(true), .bool)])
        #expect(m.rejects == [reject(.badType, "seq: expected unsigned 32-bit integer, got \(shown)")])
        #expect(m.seqs.isEmpty)
    }

    @Test("seq edge values")
    func seqEdges() {
        #expect(decode(#"{"seq": 0}"#).seqs == [SampleSeq(seq: 0, ts: now)])
        #expect(decode(#"{"seq": 4294967295}"#).seqs == [SampleSeq(seq: .max, ts: now)])
        #expect(decode(#"{"seq": 4.294967295e9}"#).seqs == [SampleSeq(seq: .max, ts: now)])
        #expect(decode(#"{"seq": 7.0}"#).seqs == [SampleSeq(seq: 7, ts: now)])
    }

    @Test("a mixed message keeps every good reading and rejects each bad part once")
    func mixed() {
        let m = decode(#"""
        [
          {"ts": 1763699990000, "seq": 1, "mains": true, "fridge_c": 75, "Bad": 1, "leak": "no", "occupancy": 3},
          {"ts": 1763799990000, "seq": 2, "mains": false},
          {"ts": 1700000000000, "seq": 3, "mains": false},
          {"ts": "soon", "seq": 4, "mains": false},
          {"ts": 1763699999000, "seq": 5, "seq": -5, "door_open": true, "ice_c": null, "battery_pct": 87.5}
        ]
        """#)
        #expect(m.samples == 5)
        #expect(m.readings == [
            reading("mains", .bool(true), .bool, ts: 1_763_699_990_000),
            reading("occupancy", .number(3), .integer, ts: 1_763_699_990_000),
            reading("door_open", .bool(true), .bool, ts: 1_763_699_999_000),
            reading("battery_pct", .number(87.5), .number, ts: 1_763_699_999_000),
        ])
        #expect(m.rejects.map(\.reason) == [.outOfRange, .badMetric, .badType, .clockSkew, .tooOld, .badType, .badType, .badType])
        #expect(m.rejects[0].detail == "fridge_c: 75 outside -40…60")
        #expect(m.rejects[2].detail == "leak: expected boolean, got string")
        #expect(m.rejects[5].detail == "ts: expected integer milliseconds, got string")
        #expect(m.rejects[6].detail == "seq: expected unsigned 32-bit integer, got -5")
        #expect(m.rejects[7].detail == "ice_c: expected number or boolean, got null")
        #expect(m.seqs.map(\.seq) == [1, 2, 3, 4])
        #expect(m.rejects.allSatisfy { $0.ts == now && $0.station == "hh-001" && $0.topic == telemetry })
    }

    @Test("duplicate keys: the last one wins, errors of overridden values are not reported")
    func duplicateKeys() {
        #expect(decode(#"{"mains": 1, "mains": true}"#) == DecodedMessage(readings: [reading("mains", .bool(true), .bool)], samples: 1))
        #expect(decode(#"{"mains": true, "mains": 1}"#).rejects == [reject(.badType, "mains: expected boolean, got number")])
        #expect(decode(#"{"mains": true, "mains": 1}"#).readings.isEmpty)
        #expect(decode(#"{"ts": "x", "ts": 1763699999000, "mains": true}"#).readings == [reading("mains", .bool(true), .bool, ts: 1_763_699_999_000)])
        #expect(decode(#"{"ts": 1763699999000, "ts": 1, "mains": true}"#).rejects.map(\.reason) == [.tooOld])
        #expect(decode(#"{"seq": 1, "seq": 2}"#).seqs == [SampleSeq(seq: 2, ts: now)])
        #expect(decode(#"{"x": "a", "y": 1, "x": 2}"#).readings == [reading("y", .number(1), .number), reading("x", .number(2), .number)])
        #expect(decode(#"{"Bad": 1, "Bad": 2}"#).rejects.count == 1)
        // Equal after unescaping is the same key.
        #expect(decode(#"{"mains": 1, "m\u0061ins": false}"#).readings == [reading("mains", .bool(false), .bool)])
    }

    @Test("duplicate detection in large samples (hash path) matches the small-sample rule")
    func manyDuplicateKeys() {
        var parts: [String] = []
        for i in 0..<300 { parts.append("\"k\(i)\": \"bad\"") }
        for i in 0..<300 { parts.append("\"k\(i)\": \(i)") }
        parts.append(#""K": 1"#)
        parts.append(#""K": 2"#)
        let m = decode("{" + parts.joined(separator: ", ") + "}")
        #expect(m.readings == (0..<300).map { reading("k\($0)", .number(Double($0)), .number) })
        #expect(m.rejects.map(\.reason) == [.badMetric])
    }

    @Test("keys with unicode escapes are decoded before they are matched")
    func escapedKeys() {
        let m = decode(#"{"\u0066ridge_c": 4.5, "\u006d\u0061\u0069\u006e\u0073": true, "ice\u005fc": 1, "\u00e9t\u00e9": 1, "\ud83d\ude00": 2}"#)
        #expect(m.readings == [reading("fridge_c", .number(4.5), .number), reading("mains", .bool(true), .bool), reading("ice_c", .number(1), .number)])
        #expect(m.rejects.map(\.detail) == [#""été": not a valid metric name ([a-z][a-z0-9_]{0,31})"#, #""😀": not a valid metric name ([a-z][a-z0-9_]{0,31})"#])
        #expect(decode(#"{"t\u0073": 1763699999000, "mains": true}"#).readings.first?.ts == 1_763_699_999_000)
    }

    @Test("nested values in a sample are validated but never stored")
    func nested() {
        let m = decode(#"{"mains": true, "meta": {"fw": "1.2.3", "list": [1, {"a": null}]}}"#)
        #expect(m.readings == [reading("mains", .bool(true), .bool)])
        #expect(m.rejects == [reject(.badType, "meta: expected number or boolean, got object")])
    }

    @Test("the prefix is configurable")
    func prefix() {
        let d = TelemetryDecoder(prefix: "test/yz", limits: IngestLimits())
        #expect(d.prefix == "test/yz" && d.limits == IngestLimits())
        let m = d.decode(topic: "test/yz/150100/hh-001/telemetry", payload: #"{"mains": true}"#.bytes, receivedAt: now, registry: registry)
        #expect(m.readings.count == 1)
        #expect(d.decode(topic: telemetry, payload: "{}".bytes, receivedAt: now, registry: registry).rejects.map(\.reason) == [.badTopic])
    }

    @Test("random and mutated payloads never crash; a malformed message carries exactly one reject")
    func fuzz() {
        var gen = JSONGenerator(seed: 7)
        var rng = SeededRandom(seed: 99)
        for round in 0..<20_000 {
            let payload: [UInt8]
            switch round % 3 {
            case 0: payload = (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1: payload = gen.mutate(gen.document().bytes)
            default: payload = gen.document().bytes
            }
            let m = decoder.decode(topic: round % 50 == 0 ? status : telemetry, payload: payload, receivedAt: now, registry: registry)
            if m.rejects.first?.reason == .malformed {
                #expect(m.rejects.count == 1 && m.readings.isEmpty && m.samples == 0)
            }
            for r in m.readings {
                #expect(MetricCatalog.isValidName(r.metric) && r.station == "hh-001")
                if case .number(let d) = r.value { #expect(d.isFinite) }
            }
        }
    }

    @Test("differential: the decoder agrees with a simple reference built on JSONSerialization")
    func referenceDifferential() throws {
        var gen = JSONGenerator(seed: 2026)
        var checked = 0
        for _ in 0..<6000 {
            // Samples built from protocol-ish keys and values, with some noise.
            var samples: [String] = []
            for _ in 0..<Int.random(in: 1...3, using: &gen.rng) {
                var fields: [String] = []
                if gen.chance(0.7) {
                    fields.append("\"ts\": " + gen.pick(["\(now - 1000)", "\(now + 400_000)", "\(now - 100 * 86_400_000)", "1.5", "\"x\"", "\(now)", "\(now + 300_000)"]))
                }
                if gen.chance(0.5) { fields.append("\"seq\": " + gen.pick(["1", "-1", "4294967295", "4294967296", "2.5", "null"])) }
                for _ in 0..<Int.random(in: 0...8, using: &gen.rng) {
                    let key = gen.pick(["door_open", "mains", "battery_pct", "water_ok", "leak", "occupancy", "fridge_c", "ice_c", "Bad", "x_1", "a b"])
                    let value = gen.pick(["true", "false", "null", "\"s\"", "[]", "{}", "3", "3.0", "3.5", "-41", "60", "100.5", "0", "501", gen.number()])
                    fields.append("\"\(key)\": \(value)")
                }
                samples.append("{" + fields.joined(separator: ", ") + "}")
            }
            let payload = samples.count == 1 && gen.chance(0.5) ? samples[0] : "[" + samples.joined(separator: ",") + "]"
            let m = decode(payload)
            guard let expected = reference(payload) else { continue }
            checked += 1
            // Foundation's Decimal path is not correctly rounded for long literals (and drops the
            // sign of -0), so numbers are compared within a few ulps; everything else exactly.
            let ours = m.readings.map { (key: "\($0.metric)@\($0.ts)/\($0.kind)", value: $0.value) }.sorted(by: readingOrder)
            let theirs = expected.readings.sorted(by: readingOrder)
            #expect(ours.count == theirs.count, "\(payload)")
            for (a, b) in zip(ours, theirs) {
                #expect(a.key == b.key && close(a.value, b.value), "\(a) vs \(b) in \(payload)")
            }
            #expect(m.rejects.map(\.reason.rawValue).sorted() == expected.rejects.sorted(), "\(payload)")
        }
        #expect(checked > 5000)
    }

    @Test("throughput (prints; no threshold)")
    func throughput() {
        let payloads: [[UInt8]] = (0..<64).map { i in
            #"{"ts": \#(now - 1000 + Int64(i)), "seq": \#(1000 + i), "door_open": false, "mains": true, "battery_pct": \#(50 + Double(i) / 4), "water_ok": true, "leak": false, "fridge_c": \#(4.2 + Double(i) / 10)}"#.bytes
        }
        let n = 100_000
        let clock = ContinuousClock()
        var readings = 0
        let start = clock.now
        for i in 0..<n {
            readings += decoder.decode(topic: telemetry, payload: payloads[i & 63], receivedAt: now, registry: registry).readings.count
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        #expect(readings == n * 6)
        print("TelemetryDecoder: \(Int(Double(n) / seconds)) msg/s for an 8-key sample (\(payloads[0].count) bytes) — build with -c release for real numbers")
    }
}

private func readingOrder(_ a: (key: String, value: MetricValue), _ b: (key: String, value: MetricValue)) -> Bool {
    a.key != b.key ? a.key < b.key : a.value.storedNumber < b.value.storedNumber
}

private func close(_ a: MetricValue, _ b: MetricValue) -> Bool {
    switch (a, b) {
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y || abs(x - y) <= max(abs(x), abs(y)) * 4e-16
    default: return false
    }
}

/// The protocol's rules written plainly over Foundation's parse; nil when Foundation cannot
/// parse the payload strictly enough to compare.
private func reference(_ payload: String) -> (readings: [(key: String, value: MetricValue)], rejects: [String])? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) else { return nil }
    let samples: [[String: Any]]
    if let d = object as? [String: Any] { samples = [d] } else if let a = object as? [[String: Any]] { samples = a } else { return nil }
    let known: [String: (MetricKind, ClosedRange<Double>?)] = MetricCatalog.known.mapValues { ($0.kind, $0.valid) }
    func isBool(_ v: Any) -> Bool { String(describing: type(of: v as AnyObject)).contains("Boolean") }
    func number(_ v: Any) -> Double? { isBool(v) ? nil : (v as? NSNumber)?.doubleValue }
    var readings: [(key: String, value: MetricValue)] = [], rejects: [String] = []
    for s in samples {
        var ts = now
        if let t = s["ts"] {
            guard let d = number(t), d == d.rounded(), d.isFinite else { rejects.append("bad_type"); continue }
            ts = Int64(d)
            if ts > now + 300_000 { rejects.append("clock_skew"); continue }
            if ts < now - 90 * 86_400_000 { rejects.append("too_old"); continue }
        }
        if let q = s["seq"], !(number(q).map { $0 >= 0 && $0 <= 4_294_967_295 && $0 == $0.rounded() } ?? false) {
            rejects.append("bad_type")
        }
        for (key, value) in s where key != "ts" && key != "seq" {
            guard MetricCatalog.isValidName(key) else { rejects.append("bad_metric"); continue }
            if let (kind, range) = known[key] {
                switch kind {
                case .bool:
                    if isBool(value) { readings.append(("\(key)@\(ts)/bool", .bool((value as! NSNumber).boolValue))) } else { rejects.append("bad_type") }
                case .number, .integer:
                    guard let d = number(value) else { rejects.append("bad_type"); continue }
                    if kind == .integer && d != d.rounded() { rejects.append("bad_type"); continue }
                    if let range, !range.contains(d) { rejects.append("out_of_range"); continue }
                    readings.append(("\(key)@\(ts)/\(kind)", .number(d)))
                }
            } else if isBool(value) {
                readings.append(("\(key)@\(ts)/bool", .bool((value as! NSNumber).boolValue)))
            } else if let d = number(value) {
                readings.append(("\(key)@\(ts)/number", .number(d)))
            } else {
                rejects.append("bad_type")
            }
        }
    }
    return (readings, rejects)
}
