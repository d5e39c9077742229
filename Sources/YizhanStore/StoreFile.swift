import Foundation

/// A store file that must not be opened for writing: corrupt, not a database at all, or
/// written by a newer release. The file is left exactly as it was found.
public enum BadStoreFile: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(path: String, sqlite: SQLiteError)
    case schemaTooNew(path: String, found: Int, known: Int)

    public var description: String {
        switch self {
        case let .unreadable(path, sqlite):
            return "store \(path) is damaged or not a Yizhan database (\(sqlite.message); SQLite code \(sqlite.extendedCode)); "
                + "it was left untouched: restore it from a backup (yizhan backup) or point --db elsewhere"
        case let .schemaTooNew(path, found, known):
            return "store \(path) has schema version \(found), newer than this release knows (version \(known)); "
                + "it was left untouched: run the newer yizhan that wrote it, or point --db elsewhere"
        }
    }
}

/// The check `serve` runs on an existing store before the writer touches it.
public enum StoreFile {
    /// Reads the header, the schema and the schema version of an existing file; a missing file
    /// is fine (the writer creates it). Reading alone never changes the database file, so a file
    /// refused here is exactly as it was. Deeper damage inside data pages is not scanned for
    /// here (`PRAGMA quick_check` reads the whole file and would make every start as slow as the
    /// store is big); such damage surfaces as SQLite errors on the pages involved.
    public static func check(path: String) throws(BadStoreFile) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            let connection = try Connection(path: path, access: .readOnly)
            // The header (page 1) and the whole schema table: "file is not a database" and
            // "database disk image is malformed" come from here.
            _ = try connection.prepare("SELECT count(*) FROM sqlite_schema").first { $0.int64(0) }
            let found = try connection.userVersion
            guard found <= Schema.version else {
                throw BadStoreFile.schemaTooNew(path: path, found: found, known: Schema.version)
            }
        } catch let bad as BadStoreFile {
            throw bad
        } catch let sqlite as SQLiteError {
            throw .unreadable(path: path, sqlite: sqlite)
        } catch {
            throw .unreadable(path: path, sqlite: SQLiteError(resultCode: 1, extendedCode: 1, message: "\(error)", sql: nil))
        }
    }
}
