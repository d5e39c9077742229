/// Failures of the store that are not SQLite call failures.
public enum StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file was written by a newer release; opening it could corrupt what that release relies on.
    case schemaTooNew(path: String, found: Int, known: Int)
    /// Readers never migrate: the writer must open (and upgrade) the file first.
    case schemaTooOld(path: String, found: Int, required: Int)
    /// Without WAL, readers would block the writer and the durability model would not hold.
    case walUnavailable(path: String, journalMode: String)
    case invalidArgument(String)
    /// A sealed chunk or rollup row does not decode: the file is damaged.
    case corruptChunk(key: Int64, reason: String)

    public var description: String {
        switch self {
        case let .schemaTooNew(path, found, known):
            return "store \(path) has schema version \(found), newer than this release knows (\(known)); "
                + "run a newer yizhan or point --db elsewhere"
        case let .schemaTooOld(path, found, required):
            return "store \(path) has schema version \(found), this release reads version \(required); "
                + "open it for writing first (yizhan serve) so it is migrated"
        case let .walUnavailable(path, mode):
            return "store \(path) could not be put in WAL mode (journal_mode is \(mode)); "
                + "it needs a local filesystem that supports shared memory"
        case let .invalidArgument(text):
            return "invalid argument: \(text)"
        case let .corruptChunk(key, reason):
            return "sealed chunk \(key) (series \(ChunkKey.series(key)), slot \(ChunkKey.slot(key))) is damaged: \(reason)"
        }
    }
}
