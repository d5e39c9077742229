import Synchronization
import YizhanCore

/// The rules in force, for validating operator requests on HTTP threads.
/// (The engine on the writer thread holds its own copy, swapped on reload.)
final class LiveRules: Sendable {
    private let rules: Mutex<RuleSet>
    init(_ rules: RuleSet) { self.rules = Mutex(rules) }
    var current: RuleSet { rules.withLock { $0 } }
    func replace(with new: RuleSet) { rules.withLock { $0 = new } }
}
