import Foundation
import YizhanCore
import YizhanStore

/// The incident book on the writer thread: sits between the alert engine's output and the
/// outbox, replacing the pages of regional events and flapping alerts by the incidents'
/// own, and keeps the book in the store (`meta`) in the same batch as the outbox items it
/// decided, so a restart (SIGKILL included) neither re-sends nor forgets a page.
public final class IncidentStage: @unchecked Sendable {
    /// Outbox items for incident pages and incident changes (webhook, Alertmanager, MQTT).
    public typealias Pages = @Sendable (_ pages: [IncidentPage], _ changed: [Incident], _ now: Int64) -> [OutboxItem]

    /// `meta` key of the book's state; each incident is also kept under `incident/{id}`.
    public static let stateKey = "incidents.state"
    public static let incidentKeyPrefix = "incident/"

    private var book: IncidentBook
    private let pages: Pages
    private var dirty: [String: Incident] = [:]
    private var stateDirty = false
    private let lock = NSLock()
    private var openSnapshot: [Incident] = []

    public init(book: IncidentBook, pages: @escaping Pages) {
        self.book = book
        self.pages = pages
        openSnapshot = book.openIncidents
    }

    /// Restores the book from the store, if it was ever saved there.
    public static func restoredBook(settings: IncidentSettings, registry: Registry, saved: String?) throws -> IncidentBook {
        var book = IncidentBook(settings: settings, registry: registry)
        if let saved { book.restore(try IncidentBook.decodeState(saved)) }
        return book
    }

    /// Filters `out.notifications`; returns the incident items and how many pages they hold.
    func apply(_ out: inout AlertingOutput, now: Int64, into batch: inout StoreBatch) -> (items: [OutboxItem], pages: Int) {
        let step = book.apply(out, now: now)
        if step.notifications.count != out.notifications.count { out.notifications = step.notifications }
        for inc in step.changed { dirty[inc.id] = inc }
        if step.stateChanged || !step.changed.isEmpty { stateDirty = true }
        // A page must be stored with the book that decided it; plain joins wait for the tick.
        if !step.pages.isEmpty { flush(into: &batch) }
        if step.pages.isEmpty && step.changed.isEmpty { return ([], 0) }
        return (pages(step.pages, step.changed, now), step.pages.count)
    }

    /// Once per batch (the alerting tick): what changed goes into the batch.
    func flush(into batch: inout StoreBatch) {
        for (id, inc) in dirty { batch.meta[Self.incidentKeyPrefix + id] = IncidentBook.encode(inc) }
        dirty.removeAll()
        if stateDirty {
            batch.meta[Self.stateKey] = book.encodedState()
            stateDirty = false
            let open = book.openIncidents
            lock.withLock { openSnapshot = open }
        }
    }

    func reload(registry: Registry) { book.reload(registry: registry) }

    /// Open incidents as of the last flush (any thread).
    public var open: [Incident] { lock.withLock { openSnapshot } }
}
