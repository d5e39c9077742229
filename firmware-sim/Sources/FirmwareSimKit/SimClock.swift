import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Station time in milliseconds since the Unix epoch. The simulation reads time
/// only through this, so a test can drive it by hand and accelerated time is a
/// different clock, not a different model.
public protocol SimClock: Sendable {
    func nowMillis() -> Int64
}

/// Milliseconds since the Unix epoch from the system's real-time clock.
public func wallClockMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Seconds from a monotonic clock, for measuring elapsed time.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Real time.
public struct WallClock: SimClock {
    public init() {}
    public func nowMillis() -> Int64 { wallClockMillis() }
}

/// Station time that starts at `start` and runs `factor` times as fast as real
/// time (factor 1: real time from a chosen start, for reproducible runs).
public struct ScaledClock: SimClock {
    public let start: Int64
    public let factor: Double
    private let wallStart: Double

    public init(start: Int64, factor: Double = 1) {
        precondition(factor > 0, "clock factor must be positive")
        self.start = start
        self.factor = factor
        self.wallStart = monotonicSeconds()
    }

    public func nowMillis() -> Int64 {
        start + Int64(((monotonicSeconds() - wallStart) * 1000 * factor).rounded(.down))
    }
}

/// A clock a test moves by hand.
public final class ManualClock: SimClock {
    private let now: Mutex<Int64>
    public init(_ start: Int64) { now = Mutex(start) }
    public func nowMillis() -> Int64 { now.withLock { $0 } }
    public func set(_ t: Int64) { now.withLock { $0 = t } }
    public func advance(by ms: Int64) { now.withLock { $0 += ms } }
}

/// Accelerated station time for history: starts at `start` and runs `factor` times as fast
/// as real time, but never passes the wall clock — the service refuses samples stamped more
/// than 5 minutes ahead of its own clock (`clock_skew`), so an accelerated run starts in the
/// past (now − the simulated span) and catches up with the present as it ends.
public struct AcceleratedClock: SimClock {
    public let start: Int64
    public let factor: Double
    private let wallStart: Double
    private let wall: @Sendable () -> Int64
    private let monotonic: @Sendable () -> Double

    public init(start: Int64, factor: Double) {
        self.init(start: start, factor: factor, wall: { wallClockMillis() }, monotonic: { monotonicSeconds() })
    }

    /// With injected clocks, for tests.
    public init(start: Int64, factor: Double, wall: @escaping @Sendable () -> Int64,
                monotonic: @escaping @Sendable () -> Double) {
        precondition(factor > 0, "clock factor must be positive")
        self.start = start
        self.factor = factor
        self.wall = wall
        self.monotonic = monotonic
        wallStart = monotonic()
    }

    public func nowMillis() -> Int64 {
        let scaled = start + Int64(((monotonic() - wallStart) * 1000 * factor).rounded(.down))
        return min(scaled, wall())
    }
}
