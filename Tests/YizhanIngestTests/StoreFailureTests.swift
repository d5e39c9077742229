import Foundation
import Testing
import YizhanCore
import YizhanIngest
import YizhanStore

/// A store that refuses commits (disk full, a locked file) must not lose what the broker was
/// told is safe, and readiness must say so until the store takes data again.
@Suite(.serialized) struct StoreFailureTests {
    /// Runs SQL on the store file through the sqlite3 shell (Debian's `sqlite3`, installed by CI).
    func sql(_ db: String, _ statement: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = ["-cmd", ".timeout 5000", db, statement]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "sqlite3 \(statement)")
    }

    @Test func failingCommitsKeepTheBatchAndClearReadinessUntilTheyRecover() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "install the sqlite3 package")
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let h = try Harness(dir, clock: clock)
        h.pipeline.start()
        defer { h.pipeline.stop() }
        #expect(h.pipeline.storeWritable)

        try sql(dir.db, "CREATE TRIGGER refuse BEFORE INSERT ON readings BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END;")
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: t0 - 1_000))
        #expect(eventually { !h.pipeline.storeWritable })
        #expect(h.pipeline.snapshot.storeErrors >= 1)
        #expect(h.pipeline.snapshot.messages == 0)
        #expect(h.log.all.contains { $0.contains("store commit failed, retrying") && $0.contains("disk full (test)") })

        try sql(dir.db, "DROP TRIGGER refuse;")
        #expect(eventually { h.pipeline.storeWritable && h.pipeline.snapshot.messages == 1 })
        #expect(try h.readingCount() > 0)
    }
}
