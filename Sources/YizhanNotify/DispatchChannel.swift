import YizhanStore

/// One outbox channel and how to deliver its items.
public struct DispatchChannel: Sendable {
    /// The outbox `channel` value: `"webhook"`, `"alertmanager"` or `"mqtt"`.
    public let name: String
    /// Delivers one item; called on the channel's own thread, one item at a time, in order.
    /// It may block (up to its own timeout).
    public let send: @Sendable (OutboxItem) -> DeliveryResult
    /// Called by `Dispatcher.stop()` from another thread to end a `send` in progress at once
    /// (e.g. `HTTPPost.cancelAll`); a cancelled send should return `.retry`.
    public let cancel: (@Sendable () -> Void)?

    public init(name: String, send: @escaping @Sendable (OutboxItem) -> DeliveryResult,
                cancel: (@Sendable () -> Void)? = nil) {
        self.name = name
        self.send = send
        self.cancel = cancel
    }

    /// POSTs each item's payload to `url` as JSON.
    public static func http(name: String, url: String, client: HTTPPost = HTTPPost(),
                            headers: [String: String] = [:]) -> DispatchChannel {
        DispatchChannel(name: name, send: { item in
            client.deliver(url, payload: item.payload, headers: headers)
        }, cancel: { client.cancelAll() })
    }

    /// The `"webhook"` channel: payloads from `WebhookPayload.render`, POSTed to `url`.
    public static func webhook(url: String, client: HTTPPost = HTTPPost(),
                               headers: [String: String] = [:]) -> DispatchChannel {
        http(name: "webhook", url: url, client: client, headers: headers)
    }

    /// The `"alertmanager"` channel: payloads from `AlertmanagerPayload.render`, POSTed to
    /// the Alertmanager at `url` (`http://host:9093`; `/api/v2/alerts` is appended unless
    /// the URL already ends with it).
    public static func alertmanager(url: String, client: HTTPPost = HTTPPost()) -> DispatchChannel {
        http(name: "alertmanager", url: alertmanagerAlertsURL(url), client: client)
    }

    /// The `"mqtt"` channel: `publish` sends the item's payload to its `topic` with its
    /// `retain` flag (QoS 1) and returns `.retry("not connected")` while the client is down.
    public static func mqtt(publish: @escaping @Sendable (OutboxItem) -> DeliveryResult) -> DispatchChannel {
        DispatchChannel(name: "mqtt", send: publish)
    }

    public static func alertmanagerAlertsURL(_ base: String) -> String {
        let trimmed = WebhookPayload.trimmedBase(base)
        return trimmed.hasSuffix("/api/v2/alerts") ? trimmed : trimmed + "/api/v2/alerts"
    }
}
