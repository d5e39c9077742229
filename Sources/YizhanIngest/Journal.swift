import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The append-only log every accepted message is written to before the MQTT
/// callback returns.
///
/// libmosquitto sends a QoS 1 PUBACK only after `on_message` returns, and the
/// broker redelivers anything not acknowledged. So a message is safe from the
/// moment `write(2)` has put it in the page cache, which a killed process
/// cannot take back. The store records how far it has committed (a
/// `JournalPosition`) in the same transaction as the data; on start the rest
/// is replayed. Segments wholly below that position are deleted.
public final class Journal: @unchecked Sendable {
    public let directory: URL
    private let segmentBytes: Int64
    private let lock = NSLock()
    private var segment: UInt64
    private var fd: Int32
    private var size: Int64

    public init(directory: URL, segmentBytes: Int64 = 64 << 20) throws(JournalError) {
        self.directory = directory
        self.segmentBytes = segmentBytes
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw JournalError("create directory", path: directory.path, errno: EACCES)
        }
        let existing = Self.segments(in: directory)
        segment = existing.last ?? 1
        let path = Self.path(directory, segment)
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError("open", path: path) }
        // A crash mid-write can leave a partial record; it was never acknowledged
        // (the broker redelivers it), so cut it off before appending after it.
        let valid = try Self.validLength(path: path)
        guard ftruncate(fd, off_t(valid)) == 0 else { throw JournalError("truncate", path: path) }
        size = valid
    }

    deinit { close(fd) }

    /// Where the next record will start.
    public var end: JournalPosition {
        lock.withLock { JournalPosition(segment: segment, offset: size) }
    }

    /// Appends one record with a single write(2) and returns the position just after it.
    @discardableResult
    public func append(_ record: JournalRecord) throws(JournalError) -> JournalPosition {
        let bytes = record.encoded()
        lock.lock()
        defer { lock.unlock() }
        if size > 0 && size + Int64(bytes.count) > segmentBytes {
            try rotate()
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                write(fd, buf.baseAddress! + written, buf.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let err = JournalError("write", path: Self.path(directory, segment))
                // Leave no half record behind for the next append to follow.
                _ = ftruncate(fd, off_t(size))
                throw err
            }
            written += n
        }
        size += Int64(bytes.count)
        return JournalPosition(segment: segment, offset: size)
    }

    private func rotate() throws(JournalError) {
        let next = segment + 1
        let path = Self.path(directory, next)
        let newFD = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard newFD >= 0 else { throw JournalError("open", path: path) }
        close(fd)
        fd = newFD
        segment = next
        size = 0
    }

    /// Calls `body` for every whole record after `position`, in order, with the position after it.
    /// Bytes that are not a whole record before a segment's end (only damage to the disk can
    /// put them anywhere but the tail of the newest segment) are reported to `damaged`.
    public func replay(from position: JournalPosition,
                       damaged: (String) -> Void = { _ in },
                       _ body: (JournalRecord, JournalPosition) throws -> Void) throws {
        for seg in Self.segments(in: directory) where seg >= position.segment {
            let path = Self.path(directory, seg)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw JournalError("read", path: path)
            }
            var offset = seg == position.segment ? Int(position.offset) : 0
            try data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
                while offset < buf.count, let (record, length) = JournalRecord.decode(buf, at: offset) {
                    offset += length
                    try body(record, JournalPosition(segment: seg, offset: Int64(offset)))
                }
                if offset < buf.count {
                    damaged("\(path): \(buf.count - offset) bytes from offset \(offset) are not whole records; skipped")
                }
            }
        }
    }

    /// Deletes segments that lie wholly before `position`: their records are committed.
    public func discard(before position: JournalPosition) {
        lock.lock()
        let current = segment
        lock.unlock()
        for seg in Self.segments(in: directory) where seg < position.segment && seg < current {
            unlink(Self.path(directory, seg))
        }
    }

    /// Bytes in all segments, for metrics.
    public func diskBytes() -> Int64 {
        Self.segments(in: directory).reduce(0) { total, seg in
            var st = stat()
            return total + (stat(Self.path(directory, seg), &st) == 0 ? Int64(st.st_size) : 0)
        }
    }

    static func path(_ dir: URL, _ segment: UInt64) -> String {
        dir.appendingPathComponent(String(format: "segment-%016llu.journal", segment)).path
    }

    static func segments(in dir: URL) -> [UInt64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.compactMap { name -> UInt64? in
            guard name.hasPrefix("segment-"), name.hasSuffix(".journal") else { return nil }
            return UInt64(name.dropFirst("segment-".count).dropLast(".journal".count))
        }.sorted()
    }

    private static func validLength(path: String) throws(JournalError) -> Int64 {
        guard let data = FileManager.default.contents(atPath: path) else { throw JournalError("read", path: path) }
        return data.withUnsafeBytes { buf in
            var offset = 0
            while offset < buf.count, let (_, length) = JournalRecord.decode(buf, at: offset) { offset += length }
            return Int64(offset)
        }
    }
}
