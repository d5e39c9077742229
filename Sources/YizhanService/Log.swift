import Foundation
import YizhanCore

/// One line per event on stderr, stamped in UTC, so journald and files read the same.
public enum Log {
    private static let lock = NSLock()

    public static func line(_ message: String) {
        let ms = Int64(Date().timeIntervalSince1970 * 1000)
        let text = "\(Timestamp.format(ms: ms)) yizhan: \(message)\n"
        lock.withLock { FileHandle.standardError.write(Data(text.utf8)) }
    }
}

/// The service clock: wall time in ms. Injected everywhere time matters, so tests can fix it.
public enum SystemClock {
    public static let now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
}
