import Foundation
import Synchronization

/// Where crash-safety tests kill the process: `YIZHAN_CRASH_AT=NAME` (or `NAME:N`, the N-th
/// time) makes the process SIGKILL itself on reaching that point, inside the transaction that
/// is under way, so a test can prove the next start finds the file consistent. Unset (always,
/// outside those tests) a point costs one comparison.
enum CrashPoint {
    private static let target: (name: String, nth: Int)? = {
        guard let spec = ProcessInfo.processInfo.environment["YIZHAN_CRASH_AT"], !spec.isEmpty else { return nil }
        let parts = spec.split(separator: ":", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let hits = Mutex(0)

    static func reach(_ name: String) {
        guard let target, target.name == name else { return }
        let n = hits.withLock { count in
            count += 1
            return count
        }
        guard n >= target.nth else { return }
        FileHandle.standardError.write(Data("YIZHAN_CRASH_AT: killing the process at \(name)\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
