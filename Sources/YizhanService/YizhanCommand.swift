import Foundation
import YizhanCore

/// The `yizhan` command line: subcommands and their exit codes
/// (0 ok, 1 runtime or config error, 2 bad usage).
public enum YizhanCommand {
    public static let usage = """
    usage: yizhan serve [--config config/yizhan.json5] [--broker embedded|mqtt://HOST:PORT] [--db PATH]
                        [--http HOST:PORT] [--rules PATH] [--stations PATH] [--webhook URL]
                        [--alertmanager URL] [--api-token TOKEN] [--client-id ID] [--topic-prefix PREFIX]
                        [--clock wall|file:PATH]   (file:PATH: a simulation/testing clock, ms since the epoch in PATH)
           yizhan check-config [same flags]
           yizhan ack ID --by NAME [--comment TEXT] [--server URL | --http HOST:PORT] [--config PATH] [--api-token TOKEN]
           yizhan report uptime [--from T --to T | --month YYYY-MM] [--region CODE] [--format table|json|csv|html] [--out FILE]
           yizhan report list
           yizhan status [--region CODE] [--json | --csv]
           yizhan alerts [--state firing|pending|resolved|all] [--region CODE] [--station ID] [--limit N] [--json | --csv]
           yizhan silence STATION [--rule RULE] --for DURATION --reason TEXT [--maintenance] [--by NAME] [--json]
           yizhan query STATION METRIC [--from T] [--to T] [--step DURATION] [--json | --csv]
           yizhan rejects [--since T] [--station ID] [--limit N] [--json | --csv]
           yizhan incidents [--state open|resolved|all] [--region CODE] [--limit N] [--json]
             (these views ask the running service: [--server URL | --http HOST:PORT] [--config PATH]
              [--api-token TOKEN] [--time-zone ZONE]; yizhan COMMAND --help for details)
           yizhan backup --to FILE [--db PATH | --config PATH]   (a consistent copy of the running store)
           yizhan hash-token [TOKEN]   (the SHA-256 to put in api_tokens; reads stdin without TOKEN)
           yizhan help
    """

    public static func run(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        guard let command = arguments.first else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            return 2
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(viewUsages[command] ?? usage)
            return 0
        }
        switch command {
        case "serve":
            let config: ServiceConfig
            switch settings(rest, environment) {
            case .success(let c): config = c
            case .failure(let exit): return exit.code
            }
            do {
                return try Service(config: config, clock: ServiceClock.make(config.clock)).run()
            } catch {
                Log.line("cannot start: \(error)")
                return 1
            }
        case "check-config":
            switch settings(rest, environment) {
            case .success(let config): return CheckConfig.run(config)
            case .failure(let exit): return exit.code
            }
        case "ack":
            return AckCommand.run(rest, environment: environment)
        case "report":
            return ReportCommand.run(rest, environment: environment)
        case "status": return StatusCommand.run(rest, environment: environment)
        case "alerts": return AlertsCommand.run(rest, environment: environment)
        case "silence": return SilenceCommand.run(rest, environment: environment)
        case "query": return QueryCommand.run(rest, environment: environment)
        case "rejects": return RejectsCommand.run(rest, environment: environment)
        case "backup": return BackupCommand.run(rest)
        case "hash-token": return HashTokenCommand.run(rest)
        case "incidents": return IncidentsCommand.run(rest, environment: environment)
        case "help", "--help", "-h":
            print(usage)
            return 0
        default:
            FileHandle.standardError.write(Data("yizhan: unknown command \"\(command)\"\n\(usage)\n".utf8))
            return 2
        }
    }

    struct ExitCode: Error { let code: Int32 }

    /// The resolved settings, or the exit code after saying what is wrong: 2 for flags, 1 for a file.
    private static func settings(_ args: [String], _ env: [String: String]) -> Result<ServiceConfig, ExitCode> {
        do {
            return .success(try ServeSettings.resolve(args, environment: env))
        } catch {
            FileHandle.standardError.write(Data("yizhan: \(error)\n".utf8))
            if case .config = error { return .failure(ExitCode(code: 1)) }
            return .failure(ExitCode(code: 2))
        }
    }
}
