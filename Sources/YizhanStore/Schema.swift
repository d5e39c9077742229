/// The store's tables, as a list of migrations. Callers never see this layout: it
/// may change (e.g. to compressed chunks of readings) behind the same API.
enum Schema {
    static let migrator = Migrator([version1])

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
}
