import CMosquitto
#if canImport(Glibc)
import Glibc
#endif

/// One libmosquitto client, run by the library's own network thread.
///
/// The C handle is owned here alone and freed in `deinit`. Callbacks reach the
/// owner through `MQTTEvents`, passed to C as a retained box that is released
/// only after `mosquitto_loop_stop` has joined the thread, so no callback can
/// outlive what it points at.
public final class MQTTClient: Sendable {
    nonisolated(unsafe) private let handle: OpaquePointer
    private let events: Unmanaged<EventBox>
    private let state = LoopState()

    private static let libraryReady: Bool = {
        mosquitto_lib_init()
        return true
    }()

    public init(options: MQTTOptions, events: MQTTEvents) throws(MQTTError) {
        _ = Self.libraryReady
        let box = Unmanaged.passRetained(EventBox(events))
        guard let h = mosquitto_new(options.clientID, options.cleanSession, box.toOpaque()) else {
            box.release()
            throw MQTTError(operation: "mosquitto_new(\(options.clientID))", message: "out of memory or invalid client id")
        }
        handle = h
        self.events = box
        // Every stored property is set, so a throw from here on runs deinit, which destroys the
        // handle and releases the box; freeing them here as well would free them twice.
        try configure(options)
        installCallbacks()
    }

    deinit {
        stop()
        mosquitto_destroy(handle)
        events.release()
    }

    private func configure(_ options: MQTTOptions) throws(MQTTError) {
        if let user = options.username {
            try MQTTError.check(mosquitto_username_pw_set(handle, user, options.password), "mosquitto_username_pw_set")
        }
        if let will = options.will {
            let rc = will.payload.withUnsafeBytes { buf in
                mosquitto_will_set(handle, will.topic, Int32(buf.count), buf.baseAddress, will.qos, will.retain)
            }
            try MQTTError.check(rc, "mosquitto_will_set(\(will.topic))")
        }
        if let tls = options.tls {
            // Peer verification stays on (mosquitto_tls_insecure_set is never called): the
            // broker's certificate must chain to `caFile` and name the host we connect to.
            try MQTTError.check(mosquitto_tls_set(handle, tls.caFile, nil, tls.certFile, tls.keyFile, nil),
                                "mosquitto_tls_set(ca \(tls.caFile), cert \(tls.certFile ?? "none"), key \(tls.keyFile ?? "none"))")
        }
        try MQTTError.check(mosquitto_max_inflight_messages_set(handle, options.maxInflight), "max_inflight")
        try MQTTError.check(
            mosquitto_reconnect_delay_set(handle, options.reconnectDelay.min, options.reconnectDelay.max, true),
            "reconnect_delay_set")
        _ = mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1)
    }

    private func installCallbacks() {
        mosquitto_connect_callback_set(handle) { _, obj, rc in
            EventBox.from(obj)?.events.connected(rc)
        }
        mosquitto_disconnect_callback_set(handle) { _, obj, rc in
            EventBox.from(obj)?.events.disconnected(rc)
        }
        mosquitto_subscribe_callback_set(handle) { _, obj, mid, count, granted in
            guard let box = EventBox.from(obj) else { return }
            var qos: [Int32] = []
            if let granted, count > 0 { qos = Array(UnsafeBufferPointer(start: granted, count: Int(count))) }
            box.events.subscribed(mid, qos)
        }
        mosquitto_publish_callback_set(handle) { _, obj, mid in
            EventBox.from(obj)?.events.published(mid)
        }
        mosquitto_message_callback_set(handle) { _, obj, msg in
            guard let box = EventBox.from(obj), let m = msg?.pointee, let topicPtr = m.topic else { return }
            let topic = String(cString: topicPtr)
            var payload: [UInt8] = []
            if let p = m.payload, m.payloadlen > 0 {
                payload = Array(UnsafeRawBufferPointer(start: p, count: Int(m.payloadlen)))
            }
            box.events.message(MQTTMessage(topic: topic, payload: payload, qos: m.qos, retain: m.retain))
        }
        if events.takeUnretainedValue().events.log != nil {
            mosquitto_log_callback_set(handle) { _, obj, level, text in
                guard let box = EventBox.from(obj), let text else { return }
                // Debug lines come twice per message at full ingest rate: matched in place, never
                // copied into a String (that cost ~8 % of the service's CPU).
                if level & MQTTLogLevel.debug != 0 {
                    if strstr(text, "sending CONNECT") != nil { box.events.connecting?() }
                    return
                }
                box.events.log?(level, String(cString: text))
            }
        }
    }

    /// Starts the network thread and connects in the background; the thread
    /// reconnects by itself with the configured backoff when the link drops.
    public func start(broker: MQTTBroker, keepAliveSeconds: Int32 = 30) throws(MQTTError) {
        guard state.begin() else { return }
        let rc = mosquitto_connect_async(handle, broker.host, Int32(broker.port), keepAliveSeconds)
        // A refused first connect is fine: the loop thread keeps retrying. Anything
        // else (bad host name, invalid arguments) is the operator's to fix.
        if rc != MOSQ_ERR_SUCCESS.rawValue && rc != MOSQ_ERR_ERRNO.rawValue && rc != MOSQ_ERR_CONN_REFUSED.rawValue {
            state.end()
            throw MQTTError(operation: "connect to \(broker)", code: rc)
        }
        let started = mosquitto_loop_start(handle)
        if started != MOSQ_ERR_SUCCESS.rawValue {
            state.end()
            throw MQTTError(operation: "mosquitto_loop_start", code: started)
        }
    }

    /// Disconnects and joins the network thread. After it returns no event fires.
    public func stop() {
        guard state.end() else { return }
        _ = mosquitto_disconnect(handle)
        // Not forced: cancelling the thread inside our message callback could cut a journal
        // write short. mosquitto_disconnect makes the loop (even mid-backoff) return.
        _ = mosquitto_loop_stop(handle, false)
    }

    public func subscribe(_ pattern: String, qos: Int32) throws(MQTTError) {
        try MQTTError.check(mosquitto_subscribe(handle, nil, pattern, qos), "subscribe \(pattern)")
    }

    /// Queues a message; returns its message id (see `MQTTEvents.published`).
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool = false) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { buf in
            mosquitto_publish(handle, &mid, topic, Int32(buf.count), buf.baseAddress, qos, retain)
        }
        try MQTTError.check(rc, "publish \(topic)")
        return mid
    }
}

/// The retained object C callbacks point at.
private final class EventBox: Sendable {
    let events: MQTTEvents
    init(_ events: MQTTEvents) { self.events = events }

    static func from(_ obj: UnsafeMutableRawPointer?) -> EventBox? {
        guard let obj else { return nil }
        return Unmanaged<EventBox>.fromOpaque(obj).takeUnretainedValue()
    }
}
