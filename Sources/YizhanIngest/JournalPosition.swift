/// A point in the journal: a segment number and a byte offset in it.
/// Stored beside the data it covers, in the same transaction.
public struct JournalPosition: Sendable, Comparable, Hashable, CustomStringConvertible {
    public let segment: UInt64
    public let offset: Int64

    public init(segment: UInt64, offset: Int64) {
        self.segment = segment
        self.offset = offset
    }

    public static let start = JournalPosition(segment: 1, offset: 0)

    public static func < (a: JournalPosition, b: JournalPosition) -> Bool {
        (a.segment, a.offset) < (b.segment, b.offset)
    }

    public var description: String { "\(segment):\(offset)" }

    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let s = UInt64(parts[0]), let o = Int64(parts[1]), s >= 1, o >= 0 else { return nil }
        self.init(segment: s, offset: o)
    }
}
