import CMicroHTTPD

/// A response body many responses send without copying it: a feed rendered once and served
/// to every client for a while. libmicrohttpd sends straight from this memory and releases
/// its reference when it destroys the response, so a thousand slow readers of the same
/// megabyte hold one megabyte, not a thousand.
public final class SharedBody: @unchecked Sendable {
    /// Never written after `init`, so any thread may read it.
    let bytes: UnsafeMutableRawBufferPointer
    public let count: Int

    public init(_ data: [UInt8]) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, data.count), alignment: 1)
        data.withUnsafeBytes { source in
            if let base = source.baseAddress { memory.baseAddress!.copyMemory(from: base, byteCount: source.count) }
        }
        bytes = memory
        count = data.count
    }

    deinit { bytes.deallocate() }
}

extension HTTPResponse {
    /// A response whose body is `shared` (not copied per request).
    public static func shared(_ status: Int, contentType: String, _ shared: SharedBody,
                              headers: [(String, String)] = []) -> HTTPResponse {
        var r = HTTPResponse(status: status, contentType: contentType, body: [], headers: headers)
        r.sharedBody = shared
        return r
    }
}

/// Creates the libmicrohttpd response for a shared body, holding a reference until
/// libmicrohttpd frees it (after the last connection using it is done).
func makeSharedResponse(_ shared: SharedBody) -> OpaquePointer? {
    let retained = Unmanaged.passRetained(shared).toOpaque()
    let created = MHD_create_response_from_buffer_with_free_callback_cls(
        shared.count, shared.bytes.baseAddress, releaseSharedBody, retained)
    if created == nil { Unmanaged<SharedBody>.fromOpaque(retained).release() }
    return created
}

private let releaseSharedBody: MHD_ContentReaderFreeCallback = { cls in
    guard let cls else { return }
    Unmanaged<SharedBody>.fromOpaque(cls).release()
}
