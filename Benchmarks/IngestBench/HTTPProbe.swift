import YizhanProcess

/// The body of a 200 reply, for reading /metrics.
func httpGet(port: Int, path: String) -> String? {
    guard let reply = LoopbackHTTP.request(port: port, path: path), reply.status == 200 else { return nil }
    return reply.body
}

func httpGetStatus(port: Int, path: String) -> Int? { LoopbackHTTP.request(port: port, path: path)?.status }
