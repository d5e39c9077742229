import Foundation

/// The check every config file passes before Foundation's JSON5 decoder sees it.
public enum JSON5Source {
    /// Refuses invalid UTF-8 (on which Foundation's JSON5 scanner traps instead of throwing)
    /// and reports the first syntax error with its line (Foundation gives none on Linux).
    public static func check(_ data: Data, file: String) throws(ConfigError) {
        let bytes = [UInt8](data)
        try checkUTF8(bytes, file: file)
        do {
            _ = try JSON5Outline(bytes)
        } catch {
            throw ConfigError(file: file, line: error.line, message: "not valid JSON5: \(error.message)")
        }
    }

    /// Foundation's JSON5 scanner traps (a fatal error, not a thrown one) on invalid UTF-8 in
    /// some places, e.g. an unquoted key: refuse such files before it sees them.
    static func checkUTF8(_ bytes: [UInt8], file: String) throws(ConfigError) {
        if let bad = firstInvalidUTF8(bytes) {
            let line = bytes[..<bad].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            throw ConfigError(file: file, line: line, message: "not valid UTF-8 (byte \(bad))")
        }
    }
}
