import Foundation
import Testing
import YizhanCore
@testable import YizhanStore

@Suite struct MigrationTests {
    private let steps = [
        Migration(version: 1, sql: "CREATE TABLE a (x INTEGER);"),
        Migration(version: 2, sql: "ALTER TABLE a ADD COLUMN y INTEGER NOT NULL DEFAULT 7;"),
        Migration(version: 3, sql: "CREATE TABLE b (z TEXT); INSERT INTO b SELECT 'from ' || x FROM a;"),
    ]

    @Test func olderFileIsBroughtForwardInOrder() throws {
        let scratch = try Scratch()
        // A file as release 1 left it, written by hand.
        let old = try Connection(path: scratch.path(), access: .readWrite)
        try old.execute("CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (42); PRAGMA user_version = 1;")

        let db = try Connection(path: scratch.path(), access: .readWrite)
        try Migrator(steps).migrate(db)
        #expect(try db.userVersion == 3)
        #expect(try db.prepare("SELECT x, y FROM a").first { [$0.int64(0), $0.int64(1)] } == [42, 7])
        #expect(try db.prepare("SELECT z FROM b").first { $0.text(0) } == "from 42")

        try Migrator(steps).migrate(db)   // nothing left to do
        #expect(try db.userVersion == 3)
    }

    @Test func failedStepLeavesTheFileAtItsOldVersion() throws {
        let scratch = try Scratch()
        let db = try Connection(path: scratch.path(), access: .readWrite)
        try Migrator(Array(steps.prefix(1))).migrate(db)
        let broken = Array(steps.prefix(2)) + [Migration(version: 3, sql: "CREATE TABLE oops (")]
        #expect(throws: SQLiteError.self) { try Migrator(broken).migrate(db) }
        #expect(try db.userVersion == 1)
        #expect(try db.prepare("SELECT count(*) FROM pragma_table_info('a')").first { $0.int64(0) } == 1)
    }

    @Test func writerUpgradesAVersionZeroFile() throws {
        let scratch = try Scratch()
        let handMade = try Connection(path: scratch.path(), access: .readWrite)
        try handMade.execute("CREATE TABLE operator_notes (text TEXT); INSERT INTO operator_notes VALUES ('hi');")
        #expect(try handMade.userVersion == 0)

        let writer = try StoreWriter(path: scratch.path())
        _ = try writer.commit(batch([number("s1", "fridge_c", 1, 1)]))
        #expect(try handMade.userVersion == Schema.version)
        #expect(try handMade.pragma("journal_mode") == "wal")
        #expect(try handMade.prepare("SELECT text FROM operator_notes").first { $0.text(0) } == "hi")
    }

    @Test func newerFileIsRefusedUntouched() throws {
        let scratch = try Scratch()
        let future = try Connection(path: scratch.path(), access: .readWrite)
        try future.execute("CREATE TABLE whatever (x); PRAGMA user_version = \(Schema.version + 1);")

        #expect(throws: StoreError.schemaTooNew(path: scratch.path(), found: Schema.version + 1, known: Schema.version)) {
            try StoreWriter(path: scratch.path())
        }
        #expect(throws: StoreError.schemaTooNew(path: scratch.path(), found: Schema.version + 1, known: Schema.version)) {
            try StoreReader(path: scratch.path())
        }
        #expect(try future.pragma("journal_mode") == "delete")
        let message = StoreError.schemaTooNew(path: "x.db", found: 9, known: 1).description
        #expect(message.contains("version 9") && message.contains("newer"))
    }

    @Test func readerRefusesAFileTheWriterHasNotMigrated() throws {
        let scratch = try Scratch()
        try Connection(path: scratch.path(), access: .readWrite).execute("CREATE TABLE t (x);")
        #expect(throws: StoreError.schemaTooOld(path: scratch.path(), found: 0, required: Schema.version)) {
            try StoreReader(path: scratch.path())
        }
    }

    @Test func aVersion2StoreGainsTheReportTablesAndKeepsItsAlerts() throws {
        let scratch = try Scratch()
        let old = try Connection(path: scratch.path(), access: .readWrite)
        try Migrator([Schema.version1, Schema.version2]).migrate(old)
        try old.execute("""
            INSERT INTO alerts (id, station, region, rule, severity, state, pending_since, fired_at, resolved_at,
                                silenced, suppressed, notified, backfilled, summary)
            VALUES ('a1', 's1', '150100', 'mains_lost', 'critical', 'resolved', 1000, 1060, 5000, 0, 0, 1, 0, '');
            """)
        #expect(try old.userVersion == 2)

        let writer = try StoreWriter(path: scratch.path())
        #expect(try old.userVersion == Schema.version)
        var b = StoreBatch()
        b.stationDays = [StationDay(station: "s1", day: 0): DayTally(firstTs: 1, lastTs: 2, received: 1, lost: 0)]
        _ = try writer.commit(b)
        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.firedAlertSpans(rules: ["mains_lost"], from: 0, to: 10_000) == ["s1": [OpenSpan(start: 1000, end: 5000)]])
        #expect(try reader.stationActivity(firstDay: 0, lastDay: 0, from: 0, to: 10).heard == ["s1"])
    }
}
