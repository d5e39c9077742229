import YizhanCore

/// Builds one JSON object as text, members in the order they are added: notification
/// payloads need exact control over key order and time formats, and are built on every
/// alert change, so no Foundation encoder.
struct JSONObject {
    private(set) var text = "{"
    private var empty = true

    init() {}

    private mutating func key(_ name: String) {
        if !empty { text += "," }
        empty = false
        text += JSONString.literal(name)
        text += ":"
    }

    mutating func string(_ name: String, _ value: String?) {
        key(name)
        text += value.map(JSONString.literal) ?? "null"
    }

    /// RFC 3339 UTC with milliseconds (`Timestamp.format`), or null.
    mutating func time(_ name: String, _ ms: Int64?) {
        string(name, ms.map { Timestamp.format(ms: $0) })
    }

    mutating func bool(_ name: String, _ value: Bool) {
        key(name)
        text += value ? "true" : "false"
    }

    mutating func int(_ name: String, _ value: Int) {
        key(name)
        text += String(value)
    }

    /// `value` must already be JSON text.
    mutating func raw(_ name: String, _ value: String) {
        key(name)
        text += value
    }

    /// A string → string map, keys sorted (as Alertmanager, in Go, writes its label sets).
    mutating func stringMap(_ name: String, _ map: [String: String]) {
        raw(name, Self.stringMap(map))
    }

    static func stringMap(_ map: [String: String]) -> String {
        var object = JSONObject()
        for k in map.keys.sorted() { object.string(k, map[k]) }
        return object.finished
    }

    var finished: String { text + "}" }
}
