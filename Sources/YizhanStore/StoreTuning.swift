/// Knobs that trade memory for ingest speed; the defaults suit the 3,000-station fleet.
public struct StoreTuning: Sendable, Equatable {
    /// The writer's page cache. Interleaved ingest touches the newest page of every
    /// series in turn (21,000 series ≈ 21,000 pages); a cache smaller than that re-reads
    /// pages from the OS and spills dirty ones into the WAL in the middle of a batch.
    public var writerCacheMiB: Int = 128
    /// Each reader connection's page cache.
    public var readerCacheMiB: Int = 8
    /// WAL size, in pages, that triggers a checkpoint after a commit (SQLite's default
    /// is 1,000). Consecutive batches rewrite the same hot pages; a larger WAL lets one
    /// checkpoint copy each of them once instead of once per batch. Measured with
    /// 5,000-reading batches: 1,000 pages → ~190k readings/s and ~1.8 KB written per
    /// reading; 30,000 pages → ~300k readings/s and ~1.1 KB.
    public var walAutocheckpointPages: Int = 32_768
    /// How long a connection waits for a lock before giving up with SQLITE_BUSY.
    public var busyTimeoutMilliseconds: Int32 = 5000

    public init() {}
}
