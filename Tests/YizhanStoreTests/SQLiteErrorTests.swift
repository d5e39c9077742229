import Foundation
import Testing
import YizhanCore
@testable import YizhanStore

@Suite struct SQLiteErrorTests {
    @Test func badSQLCarriesCodeMessageAndStatement() throws {
        let scratch = try Scratch()
        let db = try Connection(path: scratch.path(), access: .readWrite)
        let error = try #require(throws: SQLiteError.self) { try db.prepare("SELEC 1") }
        #expect(error.resultCode == 1)          // SQLITE_ERROR
        #expect(error.message.contains("syntax error"))
        #expect(error.sql == "SELEC 1")
        #expect(error.description.contains("SELEC 1") && error.description.contains("syntax error"))

        let missing = try #require(throws: SQLiteError.self) { try db.execute("SELECT * FROM nowhere") }
        #expect(missing.message == "no such table: nowhere")
    }

    @Test func constraintFailureCarriesExtendedCode() throws {
        let scratch = try Scratch()
        _ = try StoreWriter(path: scratch.path())
        let db = try Connection(path: scratch.path(), access: .readWrite)
        let insert = "INSERT INTO series (station, metric, kind) VALUES ('s', 'm', 'bool')"
        try db.execute(insert)
        let error = try #require(throws: SQLiteError.self) { try db.execute(insert) }
        #expect(error.resultCode == 19)         // SQLITE_CONSTRAINT
        #expect(error.extendedCode == 2067)     // SQLITE_CONSTRAINT_UNIQUE
        #expect(error.message.contains("UNIQUE"))
    }

    @Test func unwritablePathIsCantOpen() throws {
        let scratch = try Scratch()
        let path = scratch.path("no-such-dir/store.db")
        let error = try #require(throws: SQLiteError.self) { try StoreWriter(path: path) }
        #expect(error.resultCode == 14)         // SQLITE_CANTOPEN
        #expect(error.message.contains("unable to open database file"))
        #expect(error.message.contains(path))
    }

    @Test func foreignFileIsNotADatabase() throws {
        let scratch = try Scratch()
        try Data("this is a config file, not a database, and it is long enough\n".utf8)
            .write(to: URL(fileURLWithPath: scratch.path()))
        let error = try #require(throws: SQLiteError.self) { try StoreWriter(path: scratch.path()) }
        #expect(error.resultCode == 26)         // SQLITE_NOTADB
    }
}
