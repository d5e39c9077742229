import YizhanCore

extension StoreReader {
    /// The values of the `meta` keys that start with `prefix`, by key. The incident book keeps
    /// each incident there (committed with the pages it decided), so no table of its own.
    public func metaValues(prefix: String) throws -> [(key: String, value: String)] {
        // Keys from `prefix` up to (not including) the prefix with its last byte raised by one.
        guard var last = prefix.unicodeScalars.last, let next = Unicode.Scalar(last.value + 1) else { return [] }
        last = next
        let upper = String(prefix.unicodeScalars.dropLast()) + String(last)
        return try withConnection { db in
            try db.cached("SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key")
                .rows([.text(prefix), .text(upper)]) { (key: $0.text(0), value: $0.text(1)) }
        }
    }

    /// One `meta` value, or nil.
    public func metaValue(_ key: String) throws -> String? {
        try withConnection { db in
            try db.cached("SELECT value FROM meta WHERE key = ?").first([.text(key)]) { $0.text(0) }
        }
    }
}
