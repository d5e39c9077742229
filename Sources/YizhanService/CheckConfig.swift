import Foundation
import YizhanCore
import YizhanStore

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
        do {
            let rules = try Service.loadRules(config.rules, required: config.rules != ServiceConfig().rules)
            let heartbeats = rules.heartbeatRules.count
            summary.append("\(config.rules): \(rules.rules.count) rules (\(heartbeats) heartbeat, \(rules.rules.count - heartbeats) threshold)")
        } catch {
            problems.append("\(error)")
        }
        let dbDir = URL(fileURLWithPath: config.db).deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: dbDir), !FileManager.default.isWritableFile(atPath: dbDir) {
            problems.append("db: directory \(dbDir) is not writable")
        }
        do { try StoreFile.check(path: config.db) } catch { problems.append("\(error)") }
        let gate = AccessGate(config: config)
        summary.append("access: \(config.apiTokens.count) scoped token(s)\(config.apiToken != nil ? " + the api_token (operator, all leagues)" : ""); "
            + (config.readRequiresToken ? "every read needs a token" : "reads open")
            + (gate.anyTokenConfigured ? ", writes need a token" : ", no token configured: anyone may write"))
        if let ca = config.brokerCA {
            summary.append("broker TLS: CA \(ca)" + (config.brokerCert.map { ", client certificate \($0)" } ?? ""))
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
