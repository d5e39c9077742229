import Testing
import YizhanHTTP

@Suite struct ParseAddressTests {
    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", UInt16(8080)),
        ("[::1]:8080", "::1", 8080),
        ("[::]:80", "::", 80),
        (":8080", "0.0.0.0", 8080),
        ("localhost:8080", "localhost", 8080),
        ("0.0.0.0:0", "0.0.0.0", 0),
        ("10.1.2.3:65535", "10.1.2.3", 65535),
        ("  127.0.0.1:9000\n", "127.0.0.1", 9000),
    ])
    func accepts(input: String, host: String, port: UInt16) throws {
        let parsed = try HTTPServer.parseAddress(input)
        #expect(parsed.host == host)
        #expect(parsed.port == port)
    }

    @Test(arguments: [
        ("", "empty"),
        ("127.0.0.1", "missing port"),
        ("127.0.0.1:", "missing port"),
        ("127.0.0.1:http", "not a number"),
        ("127.0.0.1:65536", "not a number"),
        ("127.0.0.1:-1", "not a number"),
        ("127.0.0.1:+80", "not a number"),
        ("::1:8080", "needs brackets"),
        ("[::1]", "expected \":PORT\""),
        ("[::1:8080", "missing \"]\""),
        ("[127.0.0.1]:80", "only for IPv6"),
        ("example.com:80", "not a numeric"),
        ("999.1.1.1:80", "not a numeric"),
        ("[fe80::1%eth0]:80", "not a numeric"),
    ])
    func rejects(input: String, reasonFragment: String) {
        let error = #expect(throws: HTTPServerError.self) { try HTTPServer.parseAddress(input) }
        guard case .invalidAddress(let echoed, let reason)? = error else {
            Issue.record("expected invalidAddress for \(input), got \(String(describing: error))")
            return
        }
        #expect(echoed == input)
        #expect(reason.contains(reasonFragment), "\(reason)")
        // An empty input is contained in any text (the standard library says so; Foundation's
        // overload, visible once YizhanCore is imported, says no): only a real input is looked for.
        #expect(input.isEmpty || error?.description.contains(input) == true)
    }
}
