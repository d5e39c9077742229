/// Size figures for `/metrics`.
public struct StoreStats: Sendable, Equatable {
    /// Readings currently stored (kept by the writer, not counted: a count would scan the table).
    public let readings: Int
    /// Database file plus WAL file, in bytes.
    public let fileBytes: Int64

    public init(readings: Int, fileBytes: Int64) {
        self.readings = readings
        self.fileBytes = fileBytes
    }

    public var bytesPerReading: Double {
        readings == 0 ? 0 : Double(fileBytes) / Double(readings)
    }
}
