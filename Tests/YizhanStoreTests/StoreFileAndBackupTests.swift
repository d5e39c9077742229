import Foundation
import Testing
import YizhanCore
@testable import YizhanStore

/// A bad store file is refused untouched; a backup is a consistent, checked copy.
@Suite struct StoreFileAndBackupTests {
    func bytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

    @Test func aMissingFileIsFineAGoodOneToo() throws {
        let scratch = try Scratch()
        try StoreFile.check(path: scratch.path())
        _ = try StoreWriter(path: scratch.path())
        try StoreFile.check(path: scratch.path())
    }

    @Test func garbageIsRefusedNamingFileAndSQLiteError() throws {
        let scratch = try Scratch()
        try Data(String(repeating: "not a database, a text file\n", count: 200).utf8).write(to: URL(fileURLWithPath: scratch.path()))
        let before = bytes(scratch.path())
        do {
            try StoreFile.check(path: scratch.path())
            Issue.record("garbage accepted")
        } catch {
            guard case .unreadable(let path, let sqlite) = error else { Issue.record("\(error)"); return }
            #expect(path == scratch.path())
            #expect(sqlite.resultCode == 26)  // SQLITE_NOTADB
            #expect(error.description.contains(scratch.path()) && error.description.contains("file is not a database"))
            #expect(error.description.contains("left untouched"))
        }
        #expect(bytes(scratch.path()) == before)
    }

    @Test func aDamagedSchemaPageIsRefused() throws {
        let scratch = try Scratch()
        do {
            let writer = try StoreWriter(path: scratch.path())
            _ = try writer.commit(batch([number("s1", "fridge_c", 1, 1)]))
        }
        // Page 1 holds the header (first 100 bytes) and the schema table's root: scribble over the latter.
        var data = bytes(scratch.path())
        for i in 100..<4096 { data[i] = 0xA5 }
        try data.write(to: URL(fileURLWithPath: scratch.path()))
        try? FileManager.default.removeItem(atPath: scratch.path() + "-wal")
        try? FileManager.default.removeItem(atPath: scratch.path() + "-shm")
        let before = bytes(scratch.path())
        #expect(throws: BadStoreFile.self) { try StoreFile.check(path: scratch.path()) }
        do { try StoreFile.check(path: scratch.path()) } catch {
            #expect(error.description.contains("malformed") || error.description.contains("not a database"), "\(error)")
        }
        #expect(bytes(scratch.path()) == before)
    }

    @Test func aNewerSchemaIsRefusedNamingBothVersions() throws {
        let scratch = try Scratch()
        try Connection(path: scratch.path(), access: .readWrite)
            .execute("CREATE TABLE later (x); PRAGMA user_version = \(Schema.version + 5);")
        let before = bytes(scratch.path())
        #expect(throws: BadStoreFile.schemaTooNew(path: scratch.path(), found: Schema.version + 5, known: Schema.version)) {
            try StoreFile.check(path: scratch.path())
        }
        let text = BadStoreFile.schemaTooNew(path: "x.db", found: 9, known: 3).description
        #expect(text.contains("version 9") && text.contains("version 3") && text.contains("x.db"))
        #expect(bytes(scratch.path()) == before)
    }

    @Test func backupCopiesEverythingWithProgressAndRefusesToOverwrite() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var readings: [Reading] = []
        for i in 0..<20_000 { readings.append(number("s\(i % 50)", "fridge_c", Int64(i), Double(i))) }
        _ = try writer.commit(batch(readings))
        var steps: [BackupProgress] = []
        let copy = scratch.path("copy.db")
        let done = try StoreBackup.copy(from: scratch.path(), to: copy, pagesPerStep: 8) { steps.append($0) }
        #expect(steps.count > 2, "a copy of many pages in steps of 8 reports more than once")
        #expect(steps.last == done && done.pagesCopied == done.pagesTotal)
        #expect(zip(steps, steps.dropFirst()).allSatisfy { $0.pagesCopied <= $1.pagesCopied })
        let reader = try StoreReader(path: copy)
        let points = try reader.series(station: "s7", metric: "fridge_c", from: 0, to: 1_000_000, step: nil, limit: 10_000)
        #expect(points.count == 400)
        #expect(!FileManager.default.fileExists(atPath: copy + ".partial"))

        #expect(throws: BackupError.destinationExists(path: copy)) { try StoreBackup.copy(from: scratch.path(), to: copy) }
        #expect(throws: BackupError.noStore(path: scratch.path("none.db"))) {
            try StoreBackup.copy(from: scratch.path("none.db"), to: scratch.path("x.db"))
        }
    }

    /// The copy is one snapshot even while a writer commits between its steps.
    @Test func backupIsOneSnapshotWhileTheWriterGoesOn() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var first: [Reading] = []
        for i in 0..<20_000 { first.append(number("s\(i % 20)", "fridge_c", Int64(i), 1)) }
        _ = try writer.commit(batch(first))
        var committedDuring = 0
        let copy = scratch.path("copy.db")
        try StoreBackup.copy(from: scratch.path(), to: copy, pagesPerStep: 4) { _ in
            // A commit between every two steps: without the held snapshot SQLite would restart the copy each time.
            committedDuring += 1
            _ = try? writer.commit(batch([number("late", "fridge_c", Int64(committedDuring), 2)]))
        }
        #expect(committedDuring > 2)
        let reader = try StoreReader(path: copy)
        var total = 0
        for s in 0..<20 { total += try reader.series(station: "s\(s)", metric: "fridge_c", from: 0, to: 100_000, step: nil, limit: 100_000).count }
        #expect(total == 20_000)
        #expect(try reader.series(station: "late", metric: "fridge_c", from: 0, to: 100_000, step: nil, limit: 100).isEmpty)
    }
}

@Suite struct FilteredListTests {
    @Test func aFilteredPageIsFullHoweverManyNewerRowsOthersHave() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var b = StoreBatch()
        for i in 0..<50 {
            b.rejects.append(Reject(ts: Int64(1_000 + i), station: "mine", topic: "t", reason: .malformed, detail: "d"))
        }
        for i in 0..<5_000 {
            b.rejects.append(Reject(ts: Int64(10_000 + i), station: "other", topic: "t", reason: .malformed, detail: "d"))
        }
        b.rejects.append(Reject(ts: 99_999, station: nil, topic: "junk", reason: .malformed, detail: "d"))
        _ = try writer.commit(b)
        let reader = try StoreReader(path: scratch.path())
        let mine = try reader.rejects(since: 0, limit: 20) { $0 == "mine" }
        #expect(mine.count == 20)
        #expect(mine.map(\.ts) == (0..<20).map { Int64(1_049 - $0) })
        #expect(try reader.rejects(since: 0, limit: 10) { _ in true }.allSatisfy { $0.station != nil })
    }
}
