import Synchronization

/// What /readyz reports, set from the MQTT thread and the writer.
final class ServiceStatus: Sendable {
    private let subscribedFlag = Atomic<Bool>(false)
    private let storeFlag = Atomic<Bool>(true)
    private let connectAttempts = Atomic<Int>(0)

    var subscribed: Bool {
        get { subscribedFlag.load(ordering: .acquiring) }
        set { subscribedFlag.store(newValue, ordering: .releasing) }
    }

    var storeWritable: Bool {
        get { storeFlag.load(ordering: .acquiring) }
        set { storeFlag.store(newValue, ordering: .releasing) }
    }

    func nextAttempt() -> Int { connectAttempts.add(1, ordering: .relaxed).newValue }
    func resetAttempts() { connectAttempts.store(0, ordering: .relaxed) }
}
