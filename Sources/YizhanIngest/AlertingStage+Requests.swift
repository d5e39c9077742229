import Dispatch
import YizhanCore

/// Operator requests from HTTP threads. The engine belongs to the writer thread, so each
/// request is queued for its next pass (`tick`), and the caller waits until the transaction
/// that carries the change has committed. `wakeWriter` cuts the writer's idle wait short.
extension AlertingStage {
    /// The updated alert once the acknowledgement is committed; nil when the writer did not
    /// answer within 10 s.
    func acknowledge(alertID: String, by: String, comment: String?,
                     wakeWriter: () -> Void) -> Result<Alert, AlertEngine.AckError>? {
        let box = ResultBox<Result<Alert, AlertEngine.AckError>>()
        enqueueAck(id: alertID, by: by, comment: comment) { box.set($0) }
        wakeWriter()
        return box.wait(seconds: 10)
    }

    /// True once the silence is committed.
    func addSilence(_ silence: Silence, wakeWriter: () -> Void) -> Bool {
        let box = ResultBox<Bool>()
        enqueueSilence(silence) { box.set(true) }
        wakeWriter()
        return box.wait(seconds: 10) ?? false
    }

    /// New rules and registry take effect between two batches; returns once they have (or
    /// after 10 s).
    func reload(rules: RuleSet, registry: Registry, wakeWriter: () -> Void) {
        let box = ResultBox<Bool>()
        enqueueReload(rules: rules, registry: registry) { box.set(true) }
        wakeWriter()
        _ = box.wait(seconds: 10)
    }
}

/// A value handed from the writer thread to a waiting HTTP thread.
final class ResultBox<T>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: T?

    func set(_ v: T) {
        value = v
        done.signal()
    }

    func wait(seconds: Double) -> T? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return value
    }
}
