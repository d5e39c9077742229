import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn and stopped by PID.
///
/// Foundation's `Process` passes on the parent's signal mask; under `swift test`
/// that mask blocks SIGTERM, so a child never stops. Spawning with an empty mask
/// and default handlers gives the child ordinary signal behaviour.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let executable: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    public struct SpawnError: Error, CustomStringConvertible {
        public let executable: String
        public let errno: Int32
        public var description: String { "cannot start \(executable): \(String(cString: strerror(errno)))" }
    }

    /// `stdoutPath`/`stderrPath`: files the child's output is appended to (nil: /dev/null).
    public init(executable: String, arguments: [String], environment: [String: String]? = nil,
                stdoutPath: String? = nil, stderrPath: String? = nil) throws {
        self.executable = executable
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }

        var child: pid_t = 0
        let rc: Int32
        if executable.contains("/") {
            rc = posix_spawn(&child, executable, &actions, &attr, argv, env)
        } else {
            rc = posix_spawnp(&child, executable, &actions, &attr, argv, env)
        }
        guard rc == 0 else { throw SpawnError(executable: executable, errno: rc) }
        pid = child
    }

    deinit {
        if isRunning { _ = terminate(signal: SIGKILL) }
    }

    /// Reaps the child if it has exited; true while it runs.
    public var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            exitStatus = status
            return false
        }
        return r == 0
    }

    /// Sends `signal` and waits up to `timeout` seconds for the child to exit, then SIGKILLs it.
    /// Returns the wait status (use `exitCode`).
    @discardableResult
    public func terminate(signal: Int32 = SIGTERM, timeout: Double = 10) -> Int32 {
        if !isRunning { return lock.withLock { exitStatus ?? 0 } }
        kill(pid, signal)
        return waitForExit(timeout: timeout) ?? {
            kill(pid, SIGKILL)
            return waitForExit(timeout: 5) ?? -1
        }()
    }

    /// Waits for the child to exit on its own; nil on timeout.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !isRunning { return lock.withLock { exitStatus } }
            usleep(2_000)
        }
        return nil
    }

    /// The exit code from a wait status, or 128 + signal number when killed.
    public static func exitCode(_ status: Int32) -> Int32 {
        let sig = status & 0x7f
        return sig == 0 ? (status >> 8) & 0xff : 128 + sig
    }
}
