import YizhanCore

/// Chunk and rollup rows pack (series, hour) or (series, day) into the rowid: the series in the
/// high bits, the hour or day since 1970 in the low 20 (120 years of hours). A time outside
/// that range has no key; its readings simply stay in the head.
enum ChunkKey {
    static let bits: Int64 = 20
    static let slots: Int64 = 1 << bits
    static let dayMs: Int64 = 86_400_000

    static func index(of ts: Int64, unit: Int64) -> Int64? {
        guard ts >= 0 else { return nil }
        let i = ts / unit
        return i < slots ? i : nil
    }

    static func hourKey(series: Int64, ts: Int64) -> Int64? {
        index(of: ts, unit: Chunk.hourMs).map { (series << bits) | $0 }
    }

    static func dayKey(series: Int64, ts: Int64) -> Int64? {
        index(of: ts, unit: dayMs).map { (series << bits) | $0 }
    }

    static func series(_ key: Int64) -> Int64 { key >> bits }
    static func slot(_ key: Int64) -> Int64 { key & (slots - 1) }
    static func first(series: Int64) -> Int64 { series << bits }
    /// One past the series' last key.
    static func end(series: Int64) -> Int64 { (series + 1) << bits }

    /// The keys of a series' slots whose unit overlaps [from, to).
    static func range(series: Int64, from: Int64, to: Int64, unit: Int64) -> Range<Int64>? {
        guard to > 0, from < to else { return nil }
        let low = max(0, from) / unit
        let high = min(slots - 1, (to - 1) / unit)
        guard low <= high else { return nil }
        return ((series << bits) | low)..<((series << bits) | high) + 1
    }
}
