/// One forward step of the schema. Released migrations are never edited: a later
/// release appends a new one, so every older file can be brought up to date.
struct Migration: Sendable {
    let version: Int
    let sql: String
}

/// Brings a file from whatever version `PRAGMA user_version` records up to the newest it knows.
struct Migrator: Sendable {
    let migrations: [Migration]

    init(_ migrations: [Migration]) {
        precondition(migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
                     "migrations must be numbered 1, 2, 3, … in order")
        self.migrations = migrations
    }

    var latestVersion: Int { migrations.last?.version ?? 0 }

    /// All pending steps run in one transaction with the version bump: a crash leaves
    /// the file at its old version, never half-migrated.
    func migrate(_ connection: Connection) throws {
        try connection.writeTransaction {
            // Read inside the transaction: another process may have migrated meanwhile.
            let found = try connection.userVersion
            guard found <= latestVersion else {
                throw StoreError.schemaTooNew(path: connection.path, found: found, known: latestVersion)
            }
            for migration in migrations where migration.version > found {
                try connection.execute(migration.sql)
                try connection.execute("PRAGMA user_version = \(migration.version)")
                CrashPoint.reach("migration")
            }
        }
    }
}
