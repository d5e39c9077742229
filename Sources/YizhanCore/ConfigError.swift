/// A configuration file the service cannot use, pointing at the line to fix when it can.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// 1-based line in `file`, when known.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `config/stations.json5:12: stations[3] (id "hh-003"): region "15010" is not a six-digit GB/T 2260 code`
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
