/// Where a broker listens, from `mqtt://HOST:PORT` (port defaults to 1883).
public struct MQTTBroker: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "mqtt://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Nil with a reason when `url` is not `mqtt://HOST[:PORT]`.
    public static func parse(_ url: String) -> Result<MQTTBroker, MQTTError> {
        func fail(_ why: String) -> Result<MQTTBroker, MQTTError> {
            .failure(MQTTError(operation: "broker address \"\(url)\"", message: why))
        }
        guard url.hasPrefix("mqtt://") else { return fail("must start with mqtt:// (or be \"embedded\")") }
        var rest = Substring(url.dropFirst("mqtt://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty else { return fail("no host") }
        var host: Substring
        var portText: Substring? = nil
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return fail("unclosed [ in IPv6 host") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return fail("expected :PORT after ]") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty, !host.contains("/") else { return fail("bad host") }
        var port = 1883
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                return fail("port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = p
        }
        return .success(MQTTBroker(host: String(host), port: port))
    }
}
