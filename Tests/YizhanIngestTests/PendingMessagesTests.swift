import Testing
@testable import YizhanIngest

@Suite struct PendingMessagesTests {
    @Test func takesInOrderInBatchesAcrossCompactions() {
        var q = PendingMessages<Int>()
        for i in 0..<10_000 { q.append(i) }
        var out: [Int] = []
        while !q.isEmpty {
            #expect(q.first == out.count)
            out += q.take(777)
            if out.count == 3_108 { for i in 10_000..<10_500 { q.append(i) } }   // arrivals mid-drain
        }
        #expect(out == Array(0..<10_500))
        #expect(q.count == 0)
        #expect(q.first == nil)
        #expect(q.take(5).isEmpty)
    }

    @Test func alertingClockWaitsForTheBacklog() {
        // Caught up: alerting runs on the service clock.
        #expect(BatchWriter.alertClock(now: 10_000, oldestWaiting: nil) == 10_000)
        // Behind: only as far as what has been applied; a station whose newer telemetry is
        // still queued must not time out on the writer's lag.
        #expect(BatchWriter.alertClock(now: 10_000, oldestWaiting: 7_000) == 6_999)
        #expect(BatchWriter.alertClock(now: 10_000, oldestWaiting: 10_500) == 10_000)
    }
}
