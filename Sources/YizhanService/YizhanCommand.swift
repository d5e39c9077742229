import Foundation
import YizhanCore

/// The `yizhan` command line: subcommands and their exit codes
/// (0 ok, 1 runtime or config error, 2 bad usage).
public enum YizhanCommand {
    public static let usage = """
    usage: yizhan serve [--config config/yizhan.json5] [--broker embedded|mqtt://HOST:PORT] [--db PATH]
                        [--http HOST:PORT] [--rules PATH] [--stations PATH] [--webhook URL]
                        [--api-token TOKEN] [--client-id ID] [--topic-prefix PREFIX]
           yizhan check-config [same flags]
           yizhan help
    """

    public static func run(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        guard let command = arguments.first else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            return 2
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "serve":
            guard let config = settings(rest, environment) else { return 2 }
            do {
                return try Service(config: config).run()
            } catch {
                Log.line("cannot start: \(error)")
                return 1
            }
        case "check-config":
            guard let config = settings(rest, environment) else { return 2 }
            return CheckConfig.run(config)
        case "help", "--help", "-h":
            print(usage)
            return 0
        default:
            FileHandle.standardError.write(Data("yizhan: unknown command \"\(command)\"\n\(usage)\n".utf8))
            return 2
        }
    }

    private static func settings(_ args: [String], _ env: [String: String]) -> ServiceConfig? {
        do {
            return try ServeSettings.resolve(args, environment: env)
        } catch {
            FileHandle.standardError.write(Data("yizhan: \(error)\n".utf8))
            return nil
        }
    }
}
