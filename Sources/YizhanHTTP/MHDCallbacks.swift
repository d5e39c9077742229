import CMicroHTTPD

// The C entry points. They are non-capturing closures stored in global lets
// because a C function pointer cannot carry Swift context; the context comes
// back through `cls` (the server) and `con_cls` (the request in progress).
// Nothing here may trap on what a client sent: every pointer from C is
// optional-checked and every string is decoded with repair.

let mhdAccessHandler: MHD_AccessHandlerCallback = {
    cls, connection, url, method, _, uploadData, uploadDataSize, conCls in
    guard let cls, let connection, let uploadDataSize, let conCls else { return .NO }
    let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()

    guard let statePointer = conCls.pointee else {
        // First call: headers are in, no body read yet. Answering now is the
        // only way to refuse an oversized body without reading it.
        let declared = declaredContentLength(connection)
        let tooLarge = declared.map { $0 > UInt64(context.maxBodyBytes) } ?? false
        let state = ConnectionState(context: context,
                                    expectedLength: tooLarge ? nil : declared.flatMap { Int(exactly: $0) })
        conCls.pointee = Unmanaged.passRetained(state).toOpaque()
        if tooLarge {
            state.answeredEarly = true
            return queue(.payloadTooLarge(limit: context.maxBodyBytes), on: connection)
        }
        return .YES
    }
    let state = Unmanaged<ConnectionState>.fromOpaque(statePointer).takeUnretainedValue()

    let pieceSize = uploadDataSize.pointee
    if pieceSize > 0 {
        uploadDataSize.pointee = 0
        guard let uploadData, !state.answeredEarly else { return .YES }
        let piece = UnsafeRawBufferPointer(start: uploadData, count: pieceSize)
        return state.absorb(piece, limit: context.maxBodyBytes) ? .YES : .NO
    }

    // Final call: the whole request is in.
    if state.answeredEarly { return .YES }
    if state.overflowed {
        return queue(.payloadTooLarge(limit: context.maxBodyBytes), on: connection)
    }
    let request = HTTPRequest(
        method: method.map { String(cString: $0) } ?? "",
        path: url.map { String(cString: $0) } ?? "/",
        query: connectionValues(connection, kind: .GET_ARGUMENT_KIND, joinRepeats: false),
        headers: connectionValues(connection, kind: .HEADER_KIND, joinRepeats: true),
        body: state.takeBody())
    return queue(context.respond(to: request), on: connection)
}

/// Called by libmicrohttpd when a request ends for any reason (answered,
/// client gone, timeout, daemon shutdown): the one place `con_cls` is released.
let mhdRequestCompleted: MHD_RequestCompletedCallback = { _, _, conCls, _ in
    guard let conCls, let statePointer = conCls.pointee else { return }
    Unmanaged<ConnectionState>.fromOpaque(statePointer).release()
    conCls.pointee = nil
}

private func declaredContentLength(_ connection: OpaquePointer) -> UInt64? {
    guard let value = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length") else {
        return nil
    }
    return UInt64(String(cString: value))
}

/// Collects key/value pairs of one kind. Query arguments: last one wins.
/// Headers: lowercased names, repeats joined.
private func connectionValues(_ connection: OpaquePointer, kind: MHD_ValueKind,
                              joinRepeats: Bool) -> [String: String] {
    let collector = ValueCollector(joinRepeats: joinRepeats)
    _ = withExtendedLifetime(collector) {
        MHD_get_connection_values(connection, kind, collectValue,
                                  Unmanaged.passUnretained(collector).toOpaque())
    }
    return collector.values
}

private final class ValueCollector {
    let joinRepeats: Bool
    var values: [String: String] = [:]
    init(joinRepeats: Bool) { self.joinRepeats = joinRepeats }
}

private let collectValue: MHD_KeyValueIterator = { cls, _, key, value in
    guard let cls, let key else { return .YES }
    let collector = Unmanaged<ValueCollector>.fromOpaque(cls).takeUnretainedValue()
    // `?flag` arrives with a NULL value; it reads as present and empty.
    let text = value.map { String(cString: $0) } ?? ""
    if collector.joinRepeats {
        collector.values[String(cString: key).lowercased(), default: ""].appendJoined(text)
    } else {
        collector.values[String(cString: key)] = text
    }
    return .YES
}

/// Copies the response into libmicrohttpd and queues it. MHD_NO (which makes
/// libmicrohttpd close the connection) only when libmicrohttpd itself refuses.
private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
    let created = if let shared = response.sharedBody { makeSharedResponse(shared) } else {
        response.body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                                            .RESPMEM_MUST_COPY)
        }
    }
    guard let mhdResponse = created else { return .NO }
    defer { MHD_destroy_response(mhdResponse) }

    let explicitType = response.headers.contains { $0.0.lowercased() == "content-type" }
    if !explicitType, !response.contentType.isEmpty {
        addHeader(mhdResponse, "Content-Type", response.contentType)
    }
    for (name, value) in SecurityHeaders.completed(response) {
        addHeader(mhdResponse, name, value)
    }
    let status = (200...599).contains(response.status) ? response.status : 500
    return MHD_queue_response(connection, UInt32(status), mhdResponse)
}

private func addHeader(_ response: OpaquePointer, _ name: String, _ value: String) {
    guard isSafeHeader(name: name, value: value) else { return }
    _ = MHD_add_response_header(response, name, value)
}

private func isSafeHeader(name: String, value: String) -> Bool {
    let lowered = name.lowercased()
    if lowered == "content-length" || lowered == "transfer-encoding" { return false }
    let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)
    guard !name.isEmpty, name.utf8.allSatisfy({ byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
            || (byte >= 0x61 && byte <= 0x7A) || tokenPunctuation.contains(byte)
    }) else { return false }
    return value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
}

extension HTTPResponse {
    static func payloadTooLarge(limit: Int) -> HTTPResponse {
        .json(413, "{\"error\":\"request body larger than \(limit) bytes\"}")
    }
}
