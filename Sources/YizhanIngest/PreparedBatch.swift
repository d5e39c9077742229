import YizhanCore
import YizhanStore

/// A batch ready to commit: decoded, evaluated by alerting, with what to update after.
struct PreparedBatch {
    var batch = StoreBatch()
    var messages = 0
    var bytes = 0
    var samples = 0
    var statuses = 0
    var rejects: [RejectReason: Int] = [:]
    var heard: [String: Int64] = [:]
    var lastPosition: JournalPosition?
    var completions: [() -> Void] = []
}
