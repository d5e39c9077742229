#if canImport(Glibc)
import Glibc
#endif

/// A journal file operation that failed, with the path and the OS error.
public struct JournalError: Error, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let errno: Int32

    init(_ operation: String, path: String, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "journal \(operation) \(path): \(String(cString: strerror(errno)))" }
}
