import Testing
@testable import YizhanCore

@Suite struct DeadlineQueueTests {
    let key = DeadlineQueue.Key(station: "hh-001", rule: "station_offline")

    @Test func rearmingLaterKeepsOneEntryAndFiresAtTheLastWish() {
        var q = DeadlineQueue()
        for i in 0..<100_000 { q.arm(key, at: 1_000 + Int64(i)) }
        #expect(q.count == 1)
        #expect(q.popDue(50_000).isEmpty)          // the entry surfaced early and was re-queued
        #expect(q.count == 1)
        #expect(q.popDue(100_998).isEmpty)
        #expect(q.popDue(100_999) == [key])
        #expect(q.count == 0)
        #expect(q.popDue(.max).isEmpty)
    }

    @Test func movingEarlierFiresEarlierAndOnce() {
        var q = DeadlineQueue()
        q.arm(key, at: 5_000)
        q.arm(key, at: 2_000)
        #expect(q.popDue(1_999).isEmpty)
        #expect(q.popDue(2_000) == [key])
        #expect(q.popDue(10_000).isEmpty)           // the superseded 5,000 entry is skipped
    }

    @Test func disarmedKeysNeverFireAndCanBeArmedAgain() {
        var q = DeadlineQueue()
        let other = DeadlineQueue.Key(station: "hh-002", rule: "station_offline")
        q.arm(key, at: 1_000)
        q.arm(other, at: 1_500)
        q.disarm(key)
        #expect(q.popDue(2_000) == [other])
        q.arm(key, at: 3_000)
        #expect(q.popDue(2_999).isEmpty)
        #expect(q.popDue(3_000) == [key])
    }
}
