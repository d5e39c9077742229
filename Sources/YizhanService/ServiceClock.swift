import Foundation
import Synchronization
import YizhanCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `yizhan serve` reads "now" (`--clock`, config `clock`): the system's real-time clock
/// (`wall`, the default and the only choice for production), or a **simulation/testing clock**
/// read from a file (`file:PATH`) that another program moves.
///
/// The service's clock decides heartbeats, `for` timers, receive times and the spans in which
/// the service was receiving, so a simulator that generates a month of history in a minute
/// (`firmware-sim history`) drives the service through that month on the simulator's own clock
/// by writing the current time into the file.
public enum ServiceClock: Sendable, Equatable {
    case wall
    case file(String)

    public static let help = "wall (default) | file:PATH — a simulation/testing clock: decimal ms since the epoch read from PATH"

    /// `wall` or `file:PATH`; the message says what is wrong.
    public static func parse(_ text: String) -> Result<ServiceClock, Problem> {
        if text == "wall" { return .success(.wall) }
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst("file:".count))
            guard !path.isEmpty else { return .failure(Problem(description: "\"\(text)\": file: needs a path (file:/run/sim/clock)")) }
            return .success(.file(path))
        }
        return .failure(Problem(description: "\"\(text)\" is not wall or file:PATH (a simulation/testing clock file)"))
    }

    /// The clock `serve` runs on. A clock file that is missing or does not hold a time is an
    /// error now, at start, naming the file.
    public static func make(_ text: String) throws(Problem) -> @Sendable () -> Int64 {
        switch parse(text) {
        case .failure(let e): throw e
        case .success(.wall): return SystemClock.now
        case .success(.file(let path)):
            let clock = try FileClock(path: path, log: { Log.line($0) })
            Log.line("clock: simulation/testing clock read from \(path), now \(Timestamp.format(ms: clock.now()))")
            return { clock.now() }
        }
    }

    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(description: String) { self.description = description }
    }
}

/// A clock whose time is the decimal number of ms since the epoch written in a file (ASCII
/// digits, surrounding whitespace allowed), for simulation and testing: the program that moves
/// time writes a temporary file and renames it over PATH, so a read sees the old or the new
/// value, never half of one.
///
/// Every call reads the file (open, one read, close: a few µs), so a value is in force from the
/// moment its rename returns — a message the service takes after the writer moved the clock is
/// stamped with the new time, never with a cached old one. A file that goes missing or holds no
/// time later keeps the last good value (logged once per bad stretch); the clock never fails.
public final class FileClock: Sendable {
    public let path: String
    private let last: Atomic<Int64>
    private let failing = Atomic<Bool>(false)
    private let log: @Sendable (String) -> Void

    /// Reads the file once: a missing or garbled file is an error here.
    public init(path: String, log: @escaping @Sendable (String) -> Void = { _ in }) throws(ServiceClock.Problem) {
        self.path = path
        self.log = log
        switch Self.readTime(path) {
        case .success(let ms): last = Atomic(ms)
        case .failure(let why): throw ServiceClock.Problem(description: "clock file \(path): \(why)")
        }
    }

    /// The file's time, or the last good one if it cannot be read now.
    public func now() -> Int64 {
        switch Self.readTime(path) {
        case .success(let ms):
            last.store(ms, ordering: .relaxed)
            if failing.load(ordering: .relaxed) {
                failing.store(false, ordering: .relaxed)
                log("clock file \(path) readable again: \(Timestamp.format(ms: ms))")
            }
            return ms
        case .failure(let why):
            let kept = last.load(ordering: .relaxed)
            if !failing.exchange(true, ordering: .relaxed) {
                log("clock file \(path): \(why); keeping the last good time \(Timestamp.format(ms: kept))")
            }
            return kept
        }
    }

    /// Reads and parses the file.
    static func readTime(_ path: String) -> Result<Int64, Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure("cannot open: \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { raw -> Result<Int64, Failure> in
            var count = 0
            while count < raw.count {
                let n = read(fd, raw.baseAddress! + count, raw.count - count)
                if n < 0 {
                    if errno == EINTR { continue }
                    return .failure(Failure("cannot read: \(String(cString: strerror(errno)))"))
                }
                if n == 0 { break }
                count += n
            }
            guard count < raw.count else { return .failure(Failure("more than \(raw.count - 1) bytes: not a time")) }
            guard let ms = parse(UnsafeRawBufferPointer(rebasing: raw[0..<count])) else {
                let text = String(decoding: raw[0..<count], as: UTF8.self)
                return .failure(Failure("\(JSONString.literal(text)) is not a decimal number of ms since the epoch"))
            }
            return .success(ms)
        }
    }

    /// Decimal digits with optional ASCII whitespace around them; at most 16 digits (year 2286+
    /// is 14), so the value always fits.
    static func parse<C: Collection<UInt8>>(_ bytes: C) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        var ended = false
        for b in bytes {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard !ended, digits < 16 else { return nil }
                value = value * 10 + Int64(b - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                if digits > 0 { ended = true }
            default:
                return nil
            }
        }
        return digits > 0 ? value : nil
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
