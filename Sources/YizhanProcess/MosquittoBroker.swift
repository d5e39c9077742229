import Foundation

/// A private `mosquitto` on a free loopback port: the embedded broker of a
/// one-machine setup, and the broker every integration test and benchmark owns.
public final class MosquittoBroker: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private let executable: String
    private let lock = NSLock()
    private var process: ChildProcess

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts mosquitto and waits until it accepts connections. `extraConfig` lines are appended to its config.
    public init(executable: String = "mosquitto", extraConfig: [String] = [], directory: URL? = nil) throws {
        let dir = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("yizhan-mosquitto-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        self.directory = dir
        self.executable = executable
        var lastError = "no attempt"
        // A port handed out free can be taken before mosquitto binds it: try a few.
        for _ in 0..<5 {
            let port = LoopbackPort.free()
            let conf = dir.appendingPathComponent("mosquitto.conf")
            let lines = [
                "listener \(port) 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                // A persistent session must hold hours of backlog, not the default 1000 messages.
                "max_queued_messages 0",
                "max_inflight_messages 0",
                "log_dest file \(dir.appendingPathComponent("mosquitto.log").path)",
            ] + (getuid() == 0 ? [
                // As root, mosquitto 2 would switch to the `mosquitto` user, which cannot write
                // this private directory; a private broker has no privileges to drop.
                "user root",
            ] : []) + extraConfig
            try (lines.joined(separator: "\n") + "\n").write(to: conf, atomically: true, encoding: .utf8)
            let child = try ChildProcess(executable: executable, arguments: ["-c", conf.path],
                                         stderrPath: dir.appendingPathComponent("stderr.log").path)
            if LoopbackPort.waitUntilAccepting(port: port, timeout: 10, while: { child.isRunning }) {
                self.port = port
                self.process = child
                return
            }
            child.terminate(signal: SIGKILL)
            lastError = (try? String(contentsOf: dir.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? "no log"
        }
        throw StartError(description: "mosquitto did not start: \(lastError)")
    }

    public var url: String { "mqtt://127.0.0.1:\(port)" }
    public var pid: Int32 { lock.withLock { process.pid } }
    public var isRunning: Bool { lock.withLock { process.isRunning } }

    public func stop() {
        lock.withLock { _ = process.terminate(signal: SIGTERM, timeout: 5) }
    }

    /// Starts a stopped broker again on the same port, as an operator's restart would.
    public func restart() throws {
        try lock.withLock {
            _ = process.terminate(signal: SIGTERM, timeout: 5)
            let conf = directory.appendingPathComponent("mosquitto.conf")
            for _ in 0..<50 {
                let child = try ChildProcess(executable: executable, arguments: ["-c", conf.path],
                                             stderrPath: directory.appendingPathComponent("stderr.log").path)
                if LoopbackPort.waitUntilAccepting(port: port, timeout: 5, while: { child.isRunning }) {
                    process = child
                    return
                }
                child.terminate(signal: SIGKILL)
                usleep(100_000)  // the old socket may linger a moment
            }
            throw StartError(description: "mosquitto did not restart on port \(port)")
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
