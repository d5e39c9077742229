/// What became of one attempt to deliver an outbox item.
public enum DeliveryResult: Sendable, Equatable {
    /// The receiver took it (HTTP 2xx; MQTT: handed to a connected client).
    case delivered
    /// A transient failure (receiver down, timeout, 5xx, 408, 429, not connected): the item
    /// is tried again after a backoff, and the channel's later items wait behind it.
    case retry(String)
    /// The receiver refused this item for good (HTTP 4xx other than 408/429, 3xx): it is
    /// recorded with the reason and dropped, so it does not block the items behind it.
    case rejected(String)

    /// The reason of a failure; nil when delivered.
    public var failure: String? {
        switch self {
        case .delivered: nil
        case .retry(let why), .rejected(let why): why
        }
    }

    /// How an HTTP status answers a notification POST: 2xx delivered; 408, 429 and 5xx
    /// retried; anything else (other 4xx, an unfollowed 3xx, 1xx) rejected.
    public static func forHTTPStatus(_ status: Int, body: [UInt8] = []) -> DeliveryResult {
        switch status {
        case 200...299:
            return .delivered
        case 408, 429, 500...599:
            return .retry("HTTP \(status)" + detail(body))
        default:
            return .rejected("HTTP \(status)" + detail(body))
        }
    }

    /// Every transport failure (refused, timeout, DNS, TLS, reset) is transient: the
    /// receiver may come back, and nothing is lost while it is down.
    public static func forHTTPError(_ error: HTTPPostError) -> DeliveryResult {
        .retry(error.description)
    }

    /// ": first line of the body", printable and at most 200 characters, or "".
    static func detail(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(400), as: UTF8.self)
        let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
        let cleaned = String(line.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
            .trimming(" \t")
        guard !cleaned.isEmpty else { return "" }
        return ": " + (cleaned.count > 200 ? String(cleaned.prefix(200)) + "…" : cleaned)
    }
}

extension String {
    fileprivate func trimming(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
