import Foundation

/// A private Alertmanager (Debian's `prometheus-alertmanager`) on a free loopback port,
/// for tests that check what the service pushes to one.
public final class AlertmanagerServer: @unchecked Sendable {
    public static let candidates = ["/usr/bin/prometheus-alertmanager", "/usr/local/bin/alertmanager", "/usr/bin/alertmanager"]
    public static let missing = """
        Alertmanager is not installed: these tests run a real one. Install the Debian package \
        prometheus-alertmanager (apt-get install -y prometheus-alertmanager; binary /usr/bin/prometheus-alertmanager).
        """

    public static var executable: String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A configuration with one receiver that sends nowhere.
    public static let silentConfig = """
        route:
          receiver: "null"
        receivers:
          - name: "null"
        """

    public let port: Int
    public let directory: URL
    private let process: ChildProcess

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `config`: the YAML configuration.
    public init(executable: String, config: String = AlertmanagerServer.silentConfig) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("yizhan-am-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("alertmanager.yml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let logPath = directory.appendingPathComponent("alertmanager.log").path
        var lastError = "no attempt"
        // A port handed out free can be taken before Alertmanager binds it: try a few.
        for _ in 0..<5 {
            let port = LoopbackPort.free()
            let child = try ChildProcess(executable: executable, arguments: [
                "--config.file=\(configPath)",
                "--storage.path=\(directory.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
                "--cluster.listen-address=",
                "--log.level=debug",
            ], stdoutPath: logPath, stderrPath: logPath)
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline && child.isRunning {
                if LoopbackHTTP.request("GET", port: port, path: "/-/ready", timeoutSeconds: 2)?.status == 200 {
                    self.port = port
                    self.process = child
                    return
                }
                usleep(50_000)
            }
            child.terminate(signal: SIGKILL)
            lastError = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "no log"
        }
        try? FileManager.default.removeItem(at: directory)
        throw StartError(description: "Alertmanager did not become ready: \(lastError.suffix(2_000))")
    }

    deinit {
        process.terminate(signal: SIGTERM, timeout: 5)
        try? FileManager.default.removeItem(at: directory)
    }

    /// `GET /api/v2/alerts`: the alerts it holds that have not ended (nil if it did not answer).
    public func alerts() -> [[String: Any]]? {
        guard let reply = LoopbackHTTP.request("GET", port: port, path: "/api/v2/alerts"), reply.status == 200 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [[String: Any]]
    }
}
