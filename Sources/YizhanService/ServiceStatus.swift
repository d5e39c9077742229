import Synchronization

/// The broker side of /readyz, set from the MQTT thread (the store side is the pipeline's).
final class ServiceStatus: Sendable {
    private let subscribedFlag = Atomic<Bool>(false)
    private let connectAttempts = Atomic<Int>(0)

    var subscribed: Bool {
        get { subscribedFlag.load(ordering: .acquiring) }
        set { subscribedFlag.store(newValue, ordering: .releasing) }
    }

    func nextAttempt() -> Int { connectAttempts.add(1, ordering: .relaxed).newValue }
    func resetAttempts() { connectAttempts.store(0, ordering: .relaxed) }
}
