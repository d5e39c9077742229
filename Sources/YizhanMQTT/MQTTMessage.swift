/// A message as it arrived, copied out of libmosquitto's buffer (which is freed when the callback returns).
public struct MQTTMessage: Sendable {
    public let topic: String
    public let payload: [UInt8]
    public let qos: Int32
    public let retain: Bool

    public init(topic: String, payload: [UInt8], qos: Int32, retain: Bool) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}

/// What the client tells its owner. Every closure runs on libmosquitto's network
/// thread with a library mutex held: copy, hand off, return fast.
public struct MQTTEvents: Sendable {
    /// rc 0 is success; otherwise the CONNACK code.
    public var connected: @Sendable (_ rc: Int32) -> Void = { _ in }
    /// rc 0 is a disconnect we asked for; anything else is unexpected.
    public var disconnected: @Sendable (_ rc: Int32) -> Void = { _ in }
    public var subscribed: @Sendable (_ mid: Int32, _ grantedQoS: [Int32]) -> Void = { _, _ in }
    public var published: @Sendable (_ mid: Int32) -> Void = { _ in }
    public var message: @Sendable (MQTTMessage) -> Void = { _ in }
    /// Nil: no log callback is installed, so libmosquitto formats no per-packet debug text.
    /// Debug lines (two per message received) are not passed on: see `connecting`.
    public var log: (@Sendable (_ level: Int32, _ text: String) -> Void)? = nil
    /// Each connection attempt (libmosquitto says so only in a debug line); needs `log` set.
    public var connecting: (@Sendable () -> Void)? = nil

    public init() {}
}

/// How a client connects.
public struct MQTTOptions: Sendable {
    public var clientID: String
    /// False keeps a persistent session: the broker queues QoS 1 messages while we are away.
    public var cleanSession: Bool = true
    public var keepAliveSeconds: Int32 = 30
    public var username: String? = nil
    public var password: String? = nil
    /// Last Will: topic, payload, QoS, retain.
    public var will: (topic: String, payload: [UInt8], qos: Int32, retain: Bool)? = nil
    /// QoS 1/2 messages in flight at once (0 = unlimited).
    public var maxInflight: UInt32 = 20
    /// Reconnect backoff: first delay, cap, exponential.
    public var reconnectDelay: (min: UInt32, max: UInt32) = (1, 30)
    /// TLS to the broker; nil: plain TCP.
    public var tls: MQTTTLS? = nil

    public init(clientID: String) { self.clientID = clientID }
}

/// libmosquitto's MOSQ_LOG_* levels; the header's `(1<<n)` macros do not import into Swift.
public enum MQTTLogLevel {
    public static let info: Int32 = 1 << 0
    public static let notice: Int32 = 1 << 1
    public static let warning: Int32 = 1 << 2
    public static let error: Int32 = 1 << 3
    public static let debug: Int32 = 1 << 4
}
