import Foundation
import YizhanCore

/// One line of the ground-truth file (GROUND-TRUTH.md): a fault the simulator injected,
/// and what the service must (and must not) make of it.
public struct TruthLine: Sendable, Equatable {
    public var id: String
    public var station: String
    public var region: String
    public var kind: String
    /// Station time (the `ts` the station put on its samples) when the fault began.
    public var start: Int64
    /// When it ended; nil: still on when the run stopped.
    public var end: Int64?
    public var expect: [String]
    public var forbid: [String]
    /// Reject reasons the service must record for this station (misbehaving-device faults).
    public var expectRejects: [String]
    public var note: String?
    /// The wall-clock time (ms since the epoch) when the fault began and ended: the same as
    /// `start`/`end` in real time; in accelerated runs, what the service's clock read (the
    /// time its heartbeat alerts and rejects are stamped with). Not in GROUND-TRUTH.md's
    /// required fields; readers may ignore them.
    public var wallStart: Int64
    public var wallEnd: Int64?

    public init(id: String, station: String, region: String, kind: String, start: Int64, end: Int64?,
                expect: [String] = [], forbid: [String] = [], expectRejects: [String] = [], note: String? = nil,
                wallStart: Int64 = 0, wallEnd: Int64? = nil) {
        self.id = id
        self.station = station
        self.region = region
        self.kind = kind
        self.start = start
        self.end = end
        self.expect = expect
        self.forbid = forbid
        self.expectRejects = expectRejects
        self.note = note
        self.wallStart = wallStart
        self.wallEnd = wallEnd
    }

    /// The line as compact JSON (no newline).
    public var json: String {
        func list(_ xs: [String]) -> String { "[" + xs.map(JSONString.literal).joined(separator: ",") + "]" }
        var s = "{\"id\":\(JSONString.literal(id)),\"station\":\(JSONString.literal(station)),"
        s += "\"region\":\(JSONString.literal(region)),\"kind\":\(JSONString.literal(kind)),"
        s += "\"start\":\(start),\"end\":\(end.map(String.init) ?? "null"),"
        s += "\"expect\":\(list(expect)),\"forbid\":\(list(forbid)),\"expect_rejects\":\(list(expectRejects)),"
        s += "\"note\":\(note.map(JSONString.literal) ?? "null"),"
        s += "\"wall_start\":\(wallStart),\"wall_end\":\(wallEnd.map(String.init) ?? "null")}"
        return s
    }
}

/// Appends truth lines to a JSONL file, one `write` per line, flushed at once (a scorer may
/// read the file while the run goes on).
public final class TruthWriter: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    public let path: String

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        if !dir.path.isEmpty { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: url)
    }

    public func write(_ line: TruthLine) {
        lock.withLock { handle.write(Data((line.json + "\n").utf8)) }
    }

    public func close() {
        lock.withLock { try? handle.close() }
    }
}
