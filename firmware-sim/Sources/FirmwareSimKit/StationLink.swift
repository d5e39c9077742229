import Synchronization
import YizhanCore
import YizhanMQTT

/// Counts shared by every link of a run. `sent` counts telemetry messages handed
/// to the MQTT library, `acked` those the broker acknowledged (PUBACK); status
/// messages are not counted.
public final class LinkCounters: Sendable {
    private let _sent = Atomic<Int>(0)
    private let _acked = Atomic<Int>(0)
    private let _failed = Atomic<Int>(0)
    private let _connected = Atomic<Int>(0)

    public init() {}

    public var sent: Int { _sent.load(ordering: .relaxed) }
    public var acked: Int { _acked.load(ordering: .relaxed) }
    /// Publishes the library refused outright (not queued).
    public var failed: Int { _failed.load(ordering: .relaxed) }
    /// Connections currently up.
    public var connected: Int { _connected.load(ordering: .relaxed) }

    func didSend() { _sent.add(1, ordering: .relaxed) }
    func didAck() { _acked.add(1, ordering: .relaxed) }
    func didFail() { _failed.add(1, ordering: .relaxed) }
    func didConnect() { _connected.add(1, ordering: .relaxed) }
    func didDisconnect() { _connected.subtract(1, ordering: .relaxed) }
}

/// How one station reaches the broker. The simulation only talks to links, so
/// transports can change (one client per station, a few shared clients for a
/// 186,000-station fleet, a fault-injecting wrapper) without touching the model.
public protocol StationLink: AnyObject, Sendable {
    var station: Station { get }
    /// Starts connecting in the background. Once connected (and after every
    /// reconnect) the station's retained `online` status is published.
    func open() throws(MQTTError)
    /// True while the underlying connection is up.
    var isConnected: Bool { get }
    /// Publishes one telemetry payload (a sample or a batch) at QoS 1. Never blocks:
    /// while disconnected the MQTT library queues it and sends it on reconnect.
    func sendTelemetry(_ payload: [UInt8])
    /// Publishes the station's retained status, `online` or `offline`, at QoS 1 (fault
    /// scenarios: a reconnect after a network loss, or the Will the broker would publish).
    func sendStatus(online: Bool)
    /// Clean disconnect, as a device that shuts down properly: the broker does
    /// *not* publish the Last Will, so the retained status stays `online`.
    func close()
    /// Identifies the MQTT connection the link uses (links sharing one have the same key).
    var connectionKey: ObjectIdentifier { get }
}

extension StationLink {
    public var connectionKey: ObjectIdentifier { ObjectIdentifier(self) }
}

/// Builds the links of a fleet.
public protocol StationTransport: Sendable {
    var counters: LinkCounters { get }
    func makeLinks(for stations: [Station]) throws(MQTTError) -> [any StationLink]
}

/// Where topics live.
public struct TopicScheme: Sendable, Equatable {
    public var prefix: String
    public init(prefix: String = "yizhan/v1") { self.prefix = prefix }
    public func telemetry(_ s: Station) -> String { StationTopic.telemetry(prefix: prefix, region: s.region, station: s.id) }
    public func status(_ s: Station) -> String { StationTopic.status(prefix: prefix, region: s.region, station: s.id) }
}

let onlinePayload = Array("online".utf8)
let offlinePayload = Array("offline".utf8)

// MARK: one client per station

/// The real-device transport: every station has its own MQTT connection with
/// client id = station id, a clean session and the Last Will `offline`
/// (retained, QoS 1) on its status topic; it publishes retained `online` on
/// connect and telemetry at QoS 1.
///
/// libmosquitto runs one network thread per client, and its select() loop fails
/// once a client's file descriptors pass FD_SETSIZE (1024; 3 per client), so this
/// is for fleets up to ~300 stations per process; use `SharedConnectionTransport`
/// beyond that.
public struct PerStationTransport: StationTransport {
    public let broker: MQTTBroker
    public let topics: TopicScheme
    public let counters: LinkCounters
    public let keepAliveSeconds: Int32

    public init(broker: MQTTBroker, topics: TopicScheme = TopicScheme(), counters: LinkCounters = LinkCounters(),
                keepAliveSeconds: Int32 = 30) {
        self.broker = broker
        self.topics = topics
        self.counters = counters
        self.keepAliveSeconds = keepAliveSeconds
    }

    public func makeLinks(for stations: [Station]) throws(MQTTError) -> [any StationLink] {
        var links: [any StationLink] = []
        links.reserveCapacity(stations.count)
        for s in stations {
            links.append(try MQTTStationLink(station: s, broker: broker, topics: topics, counters: counters,
                                             keepAliveSeconds: keepAliveSeconds))
        }
        return links
    }
}

/// The client a callback may use, cleared on close so the client → callbacks →
/// holder → client cycle is broken.
final class ClientHolder: Sendable {
    private struct State {
        var client: MQTTClient?
        /// Message ids of status publishes not yet acknowledged, with multiplicity: ids are 16-bit
        /// and wrap when a shared connection queues more than 65,535 statuses at connect.
        var statusMids: [Int32: Int] = [:]
        var connected = false
    }
    private let state = Mutex(State())

    func set(_ c: MQTTClient) { state.withLock { $0.client = c } }
    func take() -> MQTTClient? { state.withLock { s in defer { s.client = nil }; return s.client } }
    var client: MQTTClient? { state.withLock { $0.client } }
    var isConnected: Bool { state.withLock { $0.connected } }

    /// Marks the connection up; true when it was down.
    func markConnected(_ up: Bool) -> Bool {
        state.withLock { s in
            defer { s.connected = up }
            return s.connected != up
        }
    }

    /// Publishes a retained QoS 1 status and notes its id in one critical section, so the
    /// acknowledgement (on the network thread, which takes the same lock) cannot be counted
    /// as telemetry before the id is noted. The network thread holds only libmosquitto's
    /// callback mutex while it waits here, which `mosquitto_publish` does not take.
    func publishStatus(topic: String, payload: [UInt8]) {
        state.withLock { s in
            guard let c = s.client, let mid = try? c.publish(topic: topic, payload: payload, qos: 1, retain: true) else { return }
            s.statusMids[mid, default: 0] += 1
        }
    }
    /// True when `mid` was a status message (and forgets one of them).
    func wasStatus(_ mid: Int32) -> Bool {
        state.withLock { s in
            guard let n = s.statusMids[mid] else { return false }
            s.statusMids[mid] = n > 1 ? n - 1 : nil
            return true
        }
    }
}

/// One station, one MQTT connection (see `PerStationTransport`).
public final class MQTTStationLink: StationLink {
    public let station: Station
    let broker: MQTTBroker
    let keepAliveSeconds: Int32
    let telemetryTopic: String
    let statusTopic: String
    let counters: LinkCounters
    let holder = ClientHolder()

    public init(station: Station, broker: MQTTBroker, topics: TopicScheme, counters: LinkCounters,
                keepAliveSeconds: Int32 = 30) throws(MQTTError) {
        self.station = station
        self.broker = broker
        self.keepAliveSeconds = keepAliveSeconds
        self.counters = counters
        telemetryTopic = topics.telemetry(station)
        let statusTopic = topics.status(station)
        self.statusTopic = statusTopic

        var options = MQTTOptions(clientID: station.id)
        options.cleanSession = true
        options.keepAliveSeconds = keepAliveSeconds
        options.will = (topic: statusTopic, payload: offlinePayload, qos: 1, retain: true)
        options.maxInflight = 20

        var events = MQTTEvents()
        let holder = self.holder
        events.connected = { rc in
            guard rc == 0 else { return }
            if holder.markConnected(true) { counters.didConnect() }
            // Runs on the client's network thread; the client outlives this callback
            // because close() keeps its own reference until stop() has joined the thread.
            holder.publishStatus(topic: statusTopic, payload: onlinePayload)
        }
        events.disconnected = { _ in
            if holder.markConnected(false) { counters.didDisconnect() }
        }
        events.published = { mid in
            if !holder.wasStatus(mid) { counters.didAck() }
        }
        holder.set(try MQTTClient(options: options, events: events))
    }

    public var isConnected: Bool { holder.isConnected }

    public func open() throws(MQTTError) {
        guard let c = holder.client else { return }
        try c.start(broker: broker, keepAliveSeconds: keepAliveSeconds)
    }

    public func sendTelemetry(_ payload: [UInt8]) {
        guard let c = holder.client else { return }
        publishQueued(c, topic: telemetryTopic, payload: payload, counters: counters)
    }

    public func sendStatus(online: Bool) {
        publishStatus(holder: holder, topic: statusTopic, online: online)
    }

    public func close() {
        guard let c = holder.take() else { return }
        c.stop()
        if holder.markConnected(false) { counters.didDisconnect() }
    }

    deinit { close() }
}

/// QoS 1 publish that counts a message the library queued while disconnected
/// (MOSQ_ERR_NO_CONN: it stays in the client's queue and goes out on reconnect) as sent.
func publishQueued(_ c: MQTTClient, topic: String, payload: [UInt8], counters: LinkCounters) {
    do {
        try c.publish(topic: topic, payload: payload, qos: 1, retain: false)
        counters.didSend()
    } catch {
        if error.code == mqttErrNoConn { counters.didSend() } else { counters.didFail() }
    }
}

/// A retained QoS 1 status message, not counted as telemetry.
func publishStatus(holder: ClientHolder, topic: String, online: Bool) {
    holder.publishStatus(topic: topic, payload: online ? onlinePayload : offlinePayload)
}

/// MOSQ_ERR_NO_CONN (libmosquitto's enum value; this module does not import the C header).
let mqttErrNoConn: Int32 = 4

// MARK: shared connections

/// K MQTT connections carrying the telemetry of many stations (station i on
/// connection i mod K), for fleets too large for one client per station.
///
/// A connection cannot carry a Last Will per station, so in this mode a station
/// that vanishes gets no `offline`; each station's retained `online` is still
/// published when its connection comes up.
public final class SharedConnectionTransport: StationTransport {
    public let broker: MQTTBroker
    public let topics: TopicScheme
    public let counters: LinkCounters
    public let connectionCount: Int
    let clientPrefix: String

    public init(broker: MQTTBroker, connections: Int, topics: TopicScheme = TopicScheme(),
                counters: LinkCounters = LinkCounters(), clientIDPrefix: String = "firmware-sim") {
        precondition(connections >= 1)
        self.broker = broker
        self.topics = topics
        self.counters = counters
        self.connectionCount = connections
        self.clientPrefix = clientIDPrefix
    }

    public func makeLinks(for stations: [Station]) throws(MQTTError) -> [any StationLink] {
        let k = max(1, min(connectionCount, stations.count))
        var groups = [[Station]](repeating: [], count: k)
        for (i, s) in stations.enumerated() { groups[i % k].append(s) }
        var connections: [SharedConnection] = []
        for (i, g) in groups.enumerated() {
            connections.append(try SharedConnection(clientID: "\(clientPrefix)-\(i + 1)of\(k)", stations: g,
                                                    broker: broker, topics: topics, counters: counters))
        }
        return stations.enumerated().map { i, s in
            SharedStationLink(station: s, topic: topics.telemetry(s), connection: connections[i % k])
        }
    }
}

/// One shared MQTT client; started by the first of its links to open, stopped
/// when the last one closes.
final class SharedConnection: Sendable {
    let broker: MQTTBroker
    let counters: LinkCounters
    let holder = ClientHolder()
    private let users = Mutex(0)

    init(clientID: String, stations: [Station], broker: MQTTBroker, topics: TopicScheme,
         counters: LinkCounters) throws(MQTTError) {
        self.broker = broker
        self.counters = counters
        let statusTopics = stations.map { topics.status($0) }
        var options = MQTTOptions(clientID: clientID)
        options.cleanSession = true
        options.maxInflight = 1000
        var events = MQTTEvents()
        let holder = self.holder
        events.connected = { rc in
            guard rc == 0 else { return }
            if holder.markConnected(true) { counters.didConnect() }
            for t in statusTopics { holder.publishStatus(topic: t, payload: onlinePayload) }
        }
        events.disconnected = { _ in
            if holder.markConnected(false) { counters.didDisconnect() }
        }
        events.published = { mid in
            if !holder.wasStatus(mid) { counters.didAck() }
        }
        holder.set(try MQTTClient(options: options, events: events))
    }

    func retain() throws(MQTTError) {
        let first = users.withLock { n in
            n += 1
            return n == 1
        }
        if first, let c = holder.client { try c.start(broker: broker) }
    }

    func release() {
        let last = users.withLock { n in
            n -= 1
            return n == 0
        }
        guard last, let c = holder.take() else { return }
        c.stop()
        if holder.markConnected(false) { counters.didDisconnect() }
    }

    deinit {
        if let c = holder.take() { c.stop() }
    }
}

final class SharedStationLink: StationLink {
    let station: Station
    let topic: String
    let connection: SharedConnection
    private let opened = Atomic<Bool>(false)

    init(station: Station, topic: String, connection: SharedConnection) {
        self.station = station
        self.topic = topic
        self.connection = connection
    }

    var isConnected: Bool { connection.holder.isConnected }
    var connectionKey: ObjectIdentifier { ObjectIdentifier(connection) }

    func open() throws(MQTTError) {
        guard opened.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        try connection.retain()
    }

    func sendTelemetry(_ payload: [UInt8]) {
        guard let c = connection.holder.client else { return }
        publishQueued(c, topic: topic, payload: payload, counters: connection.counters)
    }

    func sendStatus(online: Bool) {
        // `…/telemetry` → `…/status`
        let statusTopic = String(topic.dropLast("telemetry".count)) + "status"
        publishStatus(holder: connection.holder, topic: statusTopic, online: online)
    }

    func close() {
        guard opened.compareExchange(expected: true, desired: false, ordering: .relaxed).exchanged else { return }
        connection.release()
    }
}
