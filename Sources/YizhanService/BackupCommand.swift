import Foundation
import YizhanCore
import YizhanStore

/// `yizhan backup --to FILE [--db PATH | --config PATH]`: a consistent copy of the store, taken
/// while `serve` keeps running. It opens the database file itself (read-only, beside the running
/// service, as WAL allows on one machine) rather than asking the service over HTTP: the copy then
/// works whether or not the service runs, shows its progress here, and writes the file as the
/// operator who asked for it, where they asked.
enum BackupCommand {
    static let usage = "usage: yizhan backup --to FILE [--db PATH | --config PATH]"

    static func run(_ args: [String]) -> Int32 {
        let flags: Flags
        do { flags = try Flags(args, accepted: ["to", "db", "config"]) } catch { return fail("\(error)\n\(usage)", code: 2) }
        if let extra = flags.positional.first { return fail("unexpected argument \"\(extra)\"\n\(usage)", code: 2) }
        guard let destination = flags["to"] else { return fail("--to FILE is required: where to write the copy\n\(usage)", code: 2) }
        var db = ServiceConfig().db
        if let path = flags["db"] {
            db = path
        } else {
            let file = flags["config"] ?? (FileManager.default.fileExists(atPath: ServeSettings.defaultConfigPath) ? ServeSettings.defaultConfigPath : nil)
            if let file {
                do { db = try ServiceConfig.load(file: file).db } catch { return fail("\(error)", code: 1) }
            }
        }
        let started = Date()
        var lastShown = Date.distantPast
        do {
            let done = try StoreBackup.copy(from: db, to: destination) { p in
                // Long copies show their progress about once a second; short ones only the result.
                guard Date().timeIntervalSince(lastShown) >= 1, p.pagesCopied < p.pagesTotal else { return }
                lastShown = Date()
                status(String(format: "backup: %.0f %% (%d of %d pages, %@)", p.percent, p.pagesCopied, p.pagesTotal,
                              mebibytes(p.bytesTotal)))
            }
            status(String(format: "backup: %@ → %@: %d pages (%@), one consistent snapshot, quick_check ok, %.1f s",
                          db, destination, done.pagesTotal, mebibytes(done.bytesTotal), Date().timeIntervalSince(started)))
            return 0
        } catch {
            return fail(error.description, code: 1)
        }
    }

    private static func mebibytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    private static func status(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    private static func fail(_ message: String, code: Int32) -> Int32 {
        FileHandle.standardError.write(Data("yizhan backup: \(message)\n".utf8))
        return code
    }
}
