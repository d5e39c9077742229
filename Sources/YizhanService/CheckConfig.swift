import Foundation
import YizhanCore

/// `yizhan check-config`: validates every config file without starting anything.
enum CheckConfig {
    static func run(_ config: ServiceConfig) -> Int32 {
        var problems: [String] = []
        var summary: [String] = []
        do {
            let registry = try Service.loadRegistry(config.stations)
            let unmanned = registry.stations.filter(\.unmanned).count
            let regions = Set(registry.stations.map(\.region)).count
            summary.append("\(config.stations): \(registry.stations.count) stations (\(unmanned) unmanned) in \(regions) regions")
        } catch {
            problems.append("\(error)")
        }
        if FileManager.default.fileExists(atPath: config.rules) {
            // The rule language is checked once the alerting core exists; until then the file must at least parse.
            if let data = FileManager.default.contents(atPath: config.rules) {
                do { try JSON5Source.check(data, file: config.rules) } catch { problems.append(error.description) }
            }
        }
        let dbDir = URL(fileURLWithPath: config.db).deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: dbDir), !FileManager.default.isWritableFile(atPath: dbDir) {
            problems.append("db: directory \(dbDir) is not writable")
        }
        if problems.isEmpty {
            print("config OK: broker \(config.broker), db \(config.db), http \(config.http)")
            summary.forEach { print("  \($0)") }
            return 0
        }
        problems.forEach { FileHandle.standardError.write(Data("yizhan: \($0)\n".utf8)) }
        return 1
    }
}
