/// Service-clock deadlines (heartbeat timeouts, `for` timers) in a min-heap, so a tick
/// touches only what is due instead of scanning every station. Re-arming a key makes
/// its older entries stale; stale entries are skipped when they surface.
struct DeadlineQueue: Sendable {
    struct Key: Hashable, Sendable {
        let station: String
        let rule: String
    }

    private struct Entry: Sendable {
        let due: Int64
        let key: Key
        let version: Int
    }

    private var heap: [Entry] = []
    private var versions: [Key: Int] = [:]

    var count: Int { heap.count }

    mutating func arm(_ key: Key, at due: Int64) {
        let v = (versions[key] ?? 0) + 1
        versions[key] = v
        push(Entry(due: due, key: key, version: v))
    }

    mutating func disarm(_ key: Key) {
        versions[key] = (versions[key] ?? 0) + 1
    }

    /// Removes and returns the keys whose live deadline is at or before `now`.
    mutating func popDue(_ now: Int64) -> [Key] {
        var due: [Key] = []
        while let top = heap.first, top.due <= now {
            pop()
            if versions[top.key] == top.version {
                versions[top.key] = top.version + 1
                due.append(top.key)
            }
        }
        return due
    }

    private mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].due < heap[parent].due else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func pop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && heap[l].due < heap[m].due { m = l }
            if r < heap.count && heap[r].due < heap[m].due { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
    }
}
