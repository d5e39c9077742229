import Foundation
import Testing
import YizhanProcess
import YizhanStore
#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs of its own for the service's database and journal, filled and freed by the test.
final class TmpfsDisk {
    let path: String

    init(path: String, megabytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]) == 0 else {
            throw HarnessError("mount -t tmpfs \(path) failed")
        }
    }

    deinit { _ = Self.run("/bin/umount", ["-l", path]) }

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as in CI's container).
    static let canMount: Bool = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yizhan-mount-probe-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]) == 0 else { return false }
        _ = run("/bin/umount", [dir])
        return true
    }()

    private let filling = FloodState()

    /// Fills the disk with a filler file until the kernel says it is full, and keeps it full
    /// (whatever the service frees, e.g. a deleted journal segment, is taken again) until `free`.
    func fill() {
        let fd = open(path + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        Self.writeUntilFull(fd)
        let filling = self.filling
        Thread {
            while !filling.isDone {
                Self.writeUntilFull(fd)
                usleep(2_000)
            }
            close(fd)
            filling.markProbeDone()
        }.start()
    }

    private static func writeUntilFull(_ fd: Int32) {
        let chunk = [UInt8](repeating: 0x55, count: 4096)
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    func free() {
        filling.finish()
        _ = waitUntil(10) { filling.probeDone }
        unlink(path + "/filler")
    }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) -> Int32 {
        guard let p = try? ChildProcess(executable: tool, arguments: args, stdoutPath: "/dev/null", stderrPath: "/dev/null") else { return -1 }
        return ChildProcess.exitCode(p.waitForExit(timeout: 30) ?? -1)
    }
}

/// Issue 10, item 1: a full disk under the journal and the database.
@Suite(.serialized)
struct DiskFullTests {
    /// The service stops taking messages (the broker keeps them unacknowledged) instead of
    /// exiting or acknowledging what it cannot keep; says so in the log, /readyz, /metrics and a
    /// `store_full` alert; and once space is freed resumes by itself with every sample stored
    /// exactly once, without a restart.
    ///
    /// With `killWhileFull` the service is SIGKILLed while the disk is full and started again
    /// after space is freed: nothing it had acknowledged to the broker may be missing, which is
    /// what "never acknowledges what it cannot keep" means (the station's PUBACK comes from the
    /// broker either way; the service's own acknowledgement is what it must withhold).
    @Test(.enabled(if: TmpfsDisk.canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN); skipped"),
          arguments: [false, true])
    func fullDiskHoldsMessagesAndResumesWithNothingLost(killWhileFull: Bool) throws {
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let disk = try TmpfsDisk(path: scratch.path("disk"), megabytes: 24)
        let webhook = WebhookReceiver(port: LoopbackPort.free())
        try webhook.start()
        defer { webhook.stop() }
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url,
                                       extraArgs: ["--webhook", "http://127.0.0.1:\(webhook.port)/hook"])
        service.dbPathOverride = disk.path + "/yizhan.db"
        try writeRegistry(service.stations, stations: [("full-a", "150100", true)])
        try service.start()
        defer { service.stop() }
        let pid = service.process!.pid

        let publisher = try TestPublisher(broker: broker.url)
        let base = nowMs() - 3_600_000
        func publish(_ range: Range<Int>) throws {
            for i in range {
                try publisher.publish("yizhan/v1/150100/full-a/telemetry", "{\"ts\":\(base + Int64(i) * 10),\"seq\":\(i),\"n\":\(i),\"fridge_c\":4.5}")
            }
        }
        func stored() throws -> [Int] {
            try StoreReader(path: service.db, connections: 1)
                .series(station: "full-a", metric: "n", from: base, to: base + 10_000_000, step: nil, limit: 1_000_000)
                .map { if case .number(let d) = $0.value { return Int(d) } else { return -1 } }
        }
        try publish(0..<500)
        #expect(try waitUntil(60) { try stored().count == 500 }, "log:\n\(service.log)")

        disk.fill()
        try publish(500..<3_000)
        // Full: nothing more is acknowledged, and the operator is told everywhere.
        #expect(waitUntil(60) { service.get("/readyz")?.body.contains("\"store\":\"full\"") == true }, "log:\n\(service.log)")
        #expect(service.get("/readyz")?.status == 503)
        #expect(waitUntil(30) { (service.metric("yizhan_store_full{part=\"journal\"}") ?? 0) == 1
                                || (service.metric("yizhan_store_full{part=\"database\"}") ?? 0) == 1 })
        #expect(service.log.contains("STORE FULL"))
        #expect(waitUntil(60) { webhook.events.contains { $0.status == "firing" && $0.rule == "store_full" } })
        // The broker has every message (it acknowledged them to the station); the service has
        // not taken them all: what it could not journal it did not acknowledge.
        #expect(waitUntil(60) { publisher.ackedCount == 3_000 })
        #expect((service.metric("yizhan_messages_received_total") ?? 0) < 3_000)
        if killWhileFull {
            service.kill9()
            disk.free()
            try service.start()
        } else {
            disk.free()
        }
        // Resumes by itself: same process, every sample stored once, ready again, alert resolved.
        #expect(try waitUntil(120) { try stored().count >= 3_000 }, "log:\n\(service.log)")
        #expect(try stored() == Array(0..<3_000))
        #expect(waitUntil(60) { service.get("/readyz")?.status == 200 }, "log:\n\(service.log)")
        #expect(service.metric("yizhan_store_full{part=\"journal\"}") == 0)
        #expect(service.metric("yizhan_store_full{part=\"database\"}") == 0)
        if !killWhileFull {
            #expect(waitUntil(60) { webhook.events.contains { $0.status == "resolved" && $0.rule == "store_full" } })
            #expect(service.process!.isRunning && service.process!.pid == pid, "the service restarted or exited")
        }
        #expect(service.stop() == 0)
    }
}
