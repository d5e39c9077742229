import Synchronization
import YizhanCore

/// The registry in force, swapped whole on SIGHUP while messages keep flowing.
public final class LiveRegistry: Sendable {
    private let current: Mutex<Registry>

    public init(_ registry: Registry) { current = Mutex(registry) }

    public var registry: Registry { current.withLock { $0 } }

    public func replace(with registry: Registry) { current.withLock { $0 = registry } }
}
