/// The store's tables, as a list of migrations. Callers never see this layout: it
/// may change (e.g. to compressed chunks of readings) behind the same API.
enum Schema {
    static let migrator = Migrator([version1, version2, version3, version4])

    static var version: Int { migrator.latestVersion }

    static let version1 = Migration(version: 1, sql: """
        -- One row per (station, metric): readings carry a small integer instead of two strings.
        CREATE TABLE series (
            id      INTEGER PRIMARY KEY,
            station TEXT NOT NULL,
            metric  TEXT NOT NULL,
            kind    TEXT NOT NULL CHECK (kind IN ('bool', 'number', 'integer')),
            UNIQUE (station, metric)
        );

        -- The key makes a redelivered or replayed reading a no-op (INSERT OR IGNORE).
        -- WITHOUT ROWID: the primary key is the table, no second b-tree per row.
        -- Booleans are 0/1; REAL affinity keeps integral values as small integers on disk.
        CREATE TABLE readings (
            series_id INTEGER NOT NULL,
            ts        INTEGER NOT NULL,
            value     REAL    NOT NULL,
            PRIMARY KEY (series_id, ts)
        ) WITHOUT ROWID;

        -- The newest ts per series wins, found by one seek to the end of that series in
        -- the primary key, so a late backfill never shadows a newer value and ingest
        -- does no extra write to keep "latest" current.
        CREATE VIEW latest AS
            SELECT s.station, s.metric, s.kind, r.ts, r.value
            FROM series AS s
            JOIN readings AS r
              ON r.series_id = s.id
             AND r.ts = (SELECT max(ts) FROM readings WHERE series_id = s.id);

        CREATE TABLE rejects (
            id      INTEGER PRIMARY KEY,
            ts      INTEGER NOT NULL,
            station TEXT,
            topic   TEXT NOT NULL,
            reason  TEXT NOT NULL,
            detail  TEXT NOT NULL
        );
        CREATE INDEX rejects_by_ts ON rejects (ts);

        -- A station's online/offline messages; receive time is the key since status carries no ts.
        CREATE TABLE station_status (
            station TEXT    NOT NULL,
            ts      INTEGER NOT NULL,
            online  INTEGER NOT NULL,
            PRIMARY KEY (station, ts)
        ) WITHOUT ROWID;

        -- Spans in which the service was up and subscribed; outside them nothing is known.
        CREATE TABLE receiving (
            start INTEGER PRIMARY KEY,
            "end" INTEGER NOT NULL
        );

        -- Written in the same transaction as the data, so a checkpoint stored here
        -- always matches what is stored.
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;

        -- count(*) over readings is a full scan of hundreds of millions of rows; the
        -- writer keeps the count instead, in the same transactions that change it.
        CREATE TABLE counters (
            name  TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO counters (name, value) VALUES ('readings', 0);
        """)

    /// Alerting: alert episodes with their history, operators' silences, and the outbox of
    /// notifications still to deliver, all written in the same transactions as the readings
    /// that caused them.
    static let version2 = Migration(version: 2, sql: """
        -- One row per alert episode (pending → firing → resolved), upserted whole by id.
        -- States and severities are stored as their names; booleans as 0/1.
        CREATE TABLE alerts (
            id               TEXT    PRIMARY KEY,
            station          TEXT    NOT NULL,
            region           TEXT    NOT NULL,
            rule             TEXT    NOT NULL,
            severity         TEXT    NOT NULL,
            state            TEXT    NOT NULL,
            pending_since    INTEGER NOT NULL,
            fired_at         INTEGER,
            resolved_at      INTEGER,
            acked_by         TEXT,
            acked_at         INTEGER,
            ack_comment      TEXT,
            silenced         INTEGER NOT NULL,
            suppressed       INTEGER NOT NULL,
            notified         INTEGER NOT NULL,
            last_notified_at INTEGER,
            backfilled       INTEGER NOT NULL,
            summary          TEXT    NOT NULL
        );
        -- Listing is newest first; the rowid (the alert's insertion order) breaks ties
        -- and is part of every index, so these serve the ORDER BY without a sort.
        CREATE INDEX alerts_by_state ON alerts (state, pending_since);
        CREATE INDEX alerts_by_station ON alerts (station, pending_since);
        CREATE INDEX alerts_by_pending_since ON alerts (pending_since);

        -- An alert's history, in seq order. Evidence is compact JSON:
        -- [{"station":"s1","metric":"fridge_c","ts":1700000000000,"value":8.5,"kind":"number"}].
        CREATE TABLE alert_transitions (
            seq        INTEGER PRIMARY KEY,
            alert_id   TEXT    NOT NULL,
            from_state TEXT    NOT NULL,
            to_state   TEXT    NOT NULL,
            at         INTEGER NOT NULL,
            reason     TEXT    NOT NULL,
            evidence   TEXT    NOT NULL
        );
        CREATE INDEX alert_transitions_by_alert ON alert_transitions (alert_id, seq);

        -- A NULL rule silences every rule of the station; the window is [from_ts, to_ts).
        CREATE TABLE silences (
            id          TEXT    PRIMARY KEY,
            station     TEXT    NOT NULL,
            rule        TEXT,
            from_ts     INTEGER NOT NULL,
            to_ts       INTEGER NOT NULL,
            reason      TEXT    NOT NULL,
            maintenance INTEGER NOT NULL,
            created_by  TEXT,
            created_at  INTEGER NOT NULL
        );
        CREATE INDEX silences_by_to ON silences (to_ts);

        -- Notifications to deliver, each channel strictly in id order. AUTOINCREMENT: an
        -- id is never reused after pruning, so the order of ids is the order of creation.
        CREATE TABLE outbox (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            channel         TEXT    NOT NULL,
            alert_id        TEXT    NOT NULL,
            topic           TEXT,
            retain          INTEGER NOT NULL,
            payload         BLOB    NOT NULL,
            created_at      INTEGER NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error      TEXT,
            delivered_at    INTEGER
        );
        CREATE INDEX outbox_by_channel ON outbox (channel, delivered_at, id);
        """)

    /// Uptime reports: per station and local day, when it was heard and how many numbered
    /// samples arrived or went missing (so a month's report never reads raw readings back), and
    /// each station's newest numbered sample, so loss counting continues across restarts.
    static let version3 = Migration(version: 3, sql: """
        -- day: days since 1970-01-01 in the report time zone. Counts are added batch by batch.
        CREATE TABLE station_days (
            station  TEXT    NOT NULL,
            day      INTEGER NOT NULL,
            first_ts INTEGER NOT NULL,
            last_ts  INTEGER NOT NULL,
            received INTEGER NOT NULL,
            lost     INTEGER NOT NULL,
            PRIMARY KEY (day, station)
        ) WITHOUT ROWID;

        -- The same added up per local month (year * 12 + month - 1), so a month's report reads one
        -- row per station instead of thirty.
        CREATE TABLE station_months (
            station  TEXT    NOT NULL,
            month    INTEGER NOT NULL,
            first_ts INTEGER NOT NULL,
            last_ts  INTEGER NOT NULL,
            received INTEGER NOT NULL,
            lost     INTEGER NOT NULL,
            PRIMARY KEY (month, station)
        ) WITHOUT ROWID;

        -- Reports find alerts overlapping a period: those that began in it (alerts_by_pending_since),
        -- those still open (alerts_by_state) and those resolved in or after it (this one).
        CREATE INDEX alerts_by_resolved_at ON alerts (resolved_at);

        CREATE TABLE station_seq (
            station TEXT    PRIMARY KEY,
            ts      INTEGER NOT NULL,
            seq     INTEGER NOT NULL
        ) WITHOUT ROWID;
        """)

    /// Compressed storage: `readings` becomes the head (recent and late readings); hours safely
    /// past are sealed into one compressed `Chunk` per series and hour, with rollups that outlive
    /// the raw data. Keys pack series and time into the rowid (`ChunkKey`): a series' hours are
    /// one contiguous range of the table's own b-tree, with no second index to pay for.
    static let version4 = Migration(version: 4, sql: """
        -- key = series_id << 20 | hours since 1970. data: Chunk.encoded(base: the hour).
        -- count/first/last: what latest, activity and retention need without decoding.
        CREATE TABLE chunks (
            key        INTEGER PRIMARY KEY,
            count      INTEGER NOT NULL,
            first_ts   INTEGER NOT NULL,
            last_ts    INTEGER NOT NULL,
            last_value REAL    NOT NULL,
            data       BLOB    NOT NULL
        );

        -- A sealed hour's minutes (RollupBlock), same key as its chunk; kept after the chunk is pruned.
        CREATE TABLE rollup_minutes (
            key  INTEGER PRIMARY KEY,
            data BLOB    NOT NULL
        );

        -- A UTC day's hours (RollupBlock); key = series_id << 20 | days since 1970.
        CREATE TABLE rollup_hours (
            key  INTEGER PRIMARY KEY,
            data BLOB    NOT NULL
        );
        """)
}
