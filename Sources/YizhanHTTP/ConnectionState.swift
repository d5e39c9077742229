/// Per-request state kept in libmicrohttpd's `con_cls` between the calls of
/// the access handler. A connection is only ever served by one worker thread,
/// so this needs no lock.
final class ConnectionState {
    /// After the body passes the limit, this much more is read and thrown away
    /// so the client can still be told 413; past it the connection is dropped,
    /// so an endless chunked upload cannot keep a worker busy forever.
    static let drainAllowance = 1 << 20

    private(set) var body: [UInt8] = []
    /// The body went past the limit; what arrived is discarded.
    private(set) var overflowed = false
    /// A 413 was queued on the first call (declared Content-Length too large).
    var answeredEarly = false
    private var discarded = 0
    private let context: ServerContext

    init(context: ServerContext, expectedLength: Int?) {
        self.context = context
        context.openRequests.add(1, ordering: .relaxed)
        if let expectedLength, expectedLength > 0 { body.reserveCapacity(expectedLength) }
    }

    deinit {
        context.openRequests.subtract(1, ordering: .relaxed)
    }

    /// Takes one piece of the upload. Returns false when the connection should
    /// be closed instead of read further.
    func absorb(_ piece: UnsafeRawBufferPointer, limit: Int) -> Bool {
        if overflowed {
            discarded += piece.count
            return discarded <= Self.drainAllowance
        }
        if piece.count > limit - body.count {
            overflowed = true
            body = []
            discarded = 0
            return true
        }
        body.append(contentsOf: piece)
        return true
    }

    /// Hands the body over once, so a keep-alive connection does not pin it.
    func takeBody() -> [UInt8] {
        defer { body = [] }
        return body
    }
}
