import Testing
@testable import YizhanService

@Suite struct RouteTests {
    /// The path's segments as `OperatorAPI.handle` splits them (empty segments dropped).
    private func route(_ path: String) -> Route? {
        Route(path.split(separator: "/", omittingEmptySubsequences: true).map(String.init))
    }

    @Test(arguments: [
        ("/healthz", Route.healthz), ("/readyz", .readyz), ("/metrics", .metrics),
        ("/api/v1/stations", .stations), ("/api/v1/rejects", .rejects),
        ("/api/v1/stations/hh-001", .station("hh-001")),
        ("/api/v1/stations/hh-001/series", .series("hh-001")),
        ("/api/v1/stations/呼和浩特-1", .station("呼和浩特-1")),
        ("/api/v1/stations/series", .station("series")),
        ("/api/v1/alerts", .alerts), ("/api/v1/silences", .silences),
        ("/api/v1/alerts/a1b2c3", .alert("a1b2c3")), ("/api/v1/alerts/a1b2c3/ack", .ack("a1b2c3")),
        ("/api/v1/reports/uptime", .uptimeReport), ("/api/v1/reports", .reports),
        ("/api/v1/reports/2026-10", .writtenReport("2026-10")),
    ])
    func everyEndpoint(_ path: String, _ expected: Route) {
        #expect(route(path) == expected)
        #expect(route(path + "/") == expected, "with a trailing slash")
        #expect(route(path.replacingOccurrences(of: "/", with: "//")) == expected, "with doubled slashes")
    }

    @Test(arguments: [
        "/", "", "/api", "/api/v1", "/api/v1/", "/api/v2/stations", "/v1/stations", "/api/stations",
        "/HEALTHZ", "/healthz/extra", "/metrics/x", "/readyz/now", "/stations",
        "/api/v1/station", "/api/v1/rejects/x", "/api/v1/stations/hh-001/latest",
        "/api/v1/stations/hh-001/series/fridge_c", "/api/v1/stations/hh-001/series/x/y",
        "/favicon.ico", "/api/v1/healthz", "/api/v1/alerts/a1/unack", "/api/v1/alerts/a1/ack/x",
        "/api/v1/silences/s1", "/api/v1/alert", "/api/v1/stations/hh-001/ack",
    ])
    func unknownPathsHaveNoRoute(_ path: String) {
        #expect(route(path) == nil)
    }

    @Test func onlyAcknowledgingAndSilencingArePosts() {
        let posts: [Route] = [.ack("a"), .silences]
        let gets: [Route] = [.healthz, .readyz, .metrics, .stations, .rejects, .alerts, .station("s"), .series("s"), .alert("a")]
        #expect(posts.allSatisfy { $0.method == "POST" })
        #expect(gets.allSatisfy { $0.method == "GET" })
    }
}
