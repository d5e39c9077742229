/// Messages journaled and waiting for the writer, oldest first.
///
/// A backlog can hold hundreds of thousands; taking a batch from the front of a plain
/// array would shift all the rest each time, just when the writer is already behind.
/// The front advances by index instead, and the array is compacted once the taken part
/// outgrows the rest.
struct PendingMessages<Element> {
    private var items: [Element] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { count == 0 }
    var first: Element? { head < items.count ? items[head] : nil }

    mutating func append(_ e: Element) { items.append(e) }

    /// Removes and returns up to `n` from the front.
    mutating func take(_ n: Int) -> [Element] {
        let end = min(items.count, head + n)
        let taken = Array(items[head..<end])
        head = end
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head > items.count / 2 {
            items.removeFirst(head)
            head = 0
        }
        return taken
    }
}
