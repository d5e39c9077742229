import Foundation
import Synchronization
import YizhanCore
import YizhanHTTP
import YizhanIngest
import YizhanStore

/// What outdoor workers may see of the fleet (api.md: `GET /api/v1/public/stations`, no token):
/// where each station is, what it offers, its hours, and whether it is working right now.
/// Nothing internal: no alerts, rule names, evidence, rejects, sequence numbers or readings
/// beyond "power on / water on".
///
/// "Working now" = reachable (the operator API's `online`) AND the newest `mains` is on AND the
/// newest `water_ok` is on. All three come from memory (the pipeline's live station state and
/// the alerting snapshot), so a request costs O(stations), never a store query per station.
enum PublicStations {
    /// How long the feed may be cached by browsers and proxies.
    static let maxAgeSeconds = 15
    /// Stations returned around a position unless `limit` says otherwise.
    static let defaultNearLimit = 100
    static let maxLimit = 10_000

    /// A station as the public sees it.
    struct Entry: Equatable, Sendable {
        let station: Station
        let reachable: Bool
        let power: Bool?
        let water: Bool?
        let openNow: Bool?
        var distanceM: Double?

        var working: Bool { reachable && power == true && water == true }

        /// `working`, `limited` (reachable but power or water off or unknown), `offline`.
        var status: String { !reachable ? "offline" : (working ? "working" : "limited") }
    }

    /// The query: `lat`, `lon` (both or neither) sort by distance and add `distance_m`; `limit`
    /// keeps the first N (default all, or 100 around a position).
    struct Query: Equatable {
        var position: (lat: Double, lon: Double)?
        var limit: Int?

        static func == (a: Query, b: Query) -> Bool {
            a.limit == b.limit && a.position?.lat == b.position?.lat && a.position?.lon == b.position?.lon
        }

        init(position: (lat: Double, lon: Double)? = nil, limit: Int? = nil) {
            self.position = position
            self.limit = limit
        }

        init(_ q: [String: String]) throws {
            let lat = try q["lat"].map { try Self.coordinate("lat", $0, 90) }
            let lon = try q["lon"].map { try Self.coordinate("lon", $0, 180) }
            switch (lat, lon) {
            case (let lat?, let lon?): position = (lat, lon)
            case (nil, nil): position = nil
            case (nil, _): throw BadParameter("lat: required with lon")
            case (_, nil): throw BadParameter("lon: required with lat")
            }
            if let text = q["limit"] {
                guard let n = Int(text), (1...PublicStations.maxLimit).contains(n) else {
                    throw BadParameter("limit: \"\(text)\" is not a whole number from 1 to \(PublicStations.maxLimit)")
                }
                limit = n
            } else {
                limit = position == nil ? nil : PublicStations.defaultNearLimit
            }
        }

        private static func coordinate(_ name: String, _ text: String, _ bound: Double) throws -> Double {
            guard let v = Double(text), v.isFinite, abs(v) <= bound else {
                throw BadParameter("\(name): \"\(text)\" is not a number from -\(Int(bound)) to \(Int(bound))")
            }
            return v
        }
    }

    /// Stations still registered at `now` (a station whose `until` has passed, or whose `since`
    /// is still ahead, is not shown), nearest first around a position, else by id.
    ///
    /// Entries are large (a whole `Station`), so they are never sorted themselves: distances go
    /// into a compact array of (distance, index), which is sorted (ties by id), and only the
    /// `limit` nearest entries are copied out. 186,000 stations: tens of milliseconds.
    static func select(_ entries: [Entry], _ query: Query) -> [Entry] {
        // (The service answers position queries with `nearest` on the registry itself.)
        let limit = min(query.limit ?? entries.count, entries.count)
        guard let p = query.position else {
            let ids = entries.map(\.station.id)
            let ordered = ids.indices.sorted { ids[$0] < ids[$1] }
            return ordered.prefix(limit).map { entries[$0] }
        }
        var near: [(d: Double, i: Int)] = []
        near.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() { near.append((haversineMeters(p.lat, p.lon, e.station.lat, e.station.lon), i)) }
        near.sort { $0.d != $1.d ? $0.d < $1.d : entries[$0.i].station.id < entries[$1.i].station.id }   // ids: ties only
        return near.prefix(limit).map { n in
            var e = entries[n.i]
            e.distanceM = n.d
            return e
        }
    }

    /// The `limit` stations nearest to a position among those `include` admits: (distance in
    /// metres, index in `stations`), nearest first, equal distances by id. One pass of
    /// distances and a sort of small pairs; the stations themselves are never copied.
    static func nearest(_ stations: [Station], lat: Double, lon: Double, limit: Int,
                        include: (Station) -> Bool = { _ in true }) -> [(d: Double, i: Int)] {
        var near: [(d: Double, i: Int)] = []
        near.reserveCapacity(stations.count)
        stations.withUnsafeBufferPointer { all in
            for i in all.indices where include(all[i]) {
                near.append((haversineMeters(lat, lon, all[i].lat, all[i].lon), i))
            }
            near.sort { $0.d != $1.d ? $0.d < $1.d : all[$0.i].id < all[$1.i].id }
        }
        if near.count > limit { near.removeSubrange(max(0, limit)...) }
        return near
    }

    static func isRegistered(_ s: Station, at now: Int64, zone: ReportTimeZone) -> Bool {
        if let until = s.until.flatMap(RegistrationTime.init) {
            // A day counts through its end.
            let end: Int64
            switch until {
            case .instant(let ms): end = ms
            case .day(let d): end = zone.startOfDay(d.adding(days: 1))
            }
            if now >= end { return false }
        }
        if let since = s.since.flatMap(RegistrationTime.init), now < zone.instant(since) { return false }
        return true
    }

    /// Great-circle distance on a sphere of the Earth's mean radius (IUGG, 6,371,008.8 m).
    static func haversineMeters(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        GeoDistance.metres(lat1, lon1, lat2, lon2)
    }

    /// The registry's hours; when it gives none, `24小时` for an unattended station (open round
    /// the clock by definition) and nil, unknown, for a staffed one: a staffed station closes when
    /// its staff go home, and sending a worker there at night on a guess would be worse than
    /// saying we do not know.
    static func hoursText(_ s: Station) -> String? {
        if let h = trimmed(s.hours) { return h }
        return s.unmanned ? "24小时" : nil
    }

    /// The text without surrounding blanks, nil when nothing is left. Registry text rarely has
    /// any, and Foundation's trimming costs microseconds a call: only that case pays for it.
    static func trimmed(_ text: String?) -> String? {
        guard let text, let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return nil }
        if !mayBeBlank(first) && !mayBeBlank(last) { return text }
        let t = text.trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : t
    }

    /// Unicode White_Space (and every control character), without a property lookup.
    private static func mayBeBlank(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0...0x20, 0x7F...0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Whether the station is open at `minute` of the local day; nil when its hours are unknown
    /// (a staffed station without `hours`) or cannot be read.
    static func openNow(_ s: Station, minute: Int) -> Bool? {
        hoursText(s).flatMap { OpeningHours.isOpen($0, minute: minute) }
    }

    /// The GeoJSON `FeatureCollection` (RFC 7946): `Point` geometry `[lon, lat]`, the station id as
    /// the feature's `id` and `properties.id`.
    static func featureCollection(_ entries: [Entry], generatedAt: Int64) -> String {
        var j = JSONText()
        j.raw("{\"type\":\"FeatureCollection\",\"generated_at\":"); j.time(generatedAt)
        j.raw(",\"features\":[")
        var roundTheClock: [String: Bool] = [:]   // per distinct hours text, as in publicEntries
        for (i, e) in entries.enumerated() {
            if i > 0 { j.raw(",") }
            let s = e.station
            j.raw("{\"type\":\"Feature\",\"id\":"); j.string(s.id)
            j.raw(",\"geometry\":{\"type\":\"Point\",\"coordinates\":[")
            j.number(rounded(s.lon)); j.raw(","); j.number(rounded(s.lat))
            j.raw("]},\"properties\":{\"id\":"); j.string(s.id)
            j.raw(",\"name\":"); j.string(s.name)
            j.raw(",\"region\":"); j.string(s.region)
            j.raw(",\"region_name\":"); j.optionalString(Region.name(s.region))
            j.raw(",\"address\":"); j.optionalString(trimmed(s.address) == nil ? nil : s.address)
            let hours = hoursText(s)
            var open24h = false
            if let hours {
                if let known = roundTheClock[hours] { open24h = known } else {
                    open24h = OpeningHours.isRoundTheClock(hours)
                    roundTheClock[hours] = open24h
                }
            }
            j.raw(",\"hours\":"); j.optionalString(hours)
            j.raw(",\"open_24h\":"); j.bool(open24h)
            j.raw(",\"open_now\":"); optionalBool(e.openNow, &j)
            j.raw(",\"unattended\":"); j.bool(s.unmanned)
            j.raw(",\"services\":[")
            j.raw((s.services ?? []).map { JSONString.literal($0) }.joined(separator: ","))
            j.raw("],\"working\":"); j.bool(e.working)
            j.raw(",\"status\":"); j.string(e.status)
            j.raw(",\"reachable\":"); j.bool(e.reachable)
            j.raw(",\"power\":"); optionalBool(e.power, &j)
            j.raw(",\"water\":"); optionalBool(e.water, &j)
            if let d = e.distanceM { j.raw(",\"distance_m\":"); j.raw(String(Int(d.rounded()))) }
            j.raw("}}")
        }
        j.raw("]}")
        return j.text
    }

    private static func optionalBool(_ b: Bool?, _ j: inout JSONText) {
        if let b { j.bool(b) } else { j.raw("null") }
    }

    /// Six decimals (~0.1 m) is all a registry coordinate means.
    private static func rounded(_ d: Double) -> Double { (d * 1_000_000).rounded() / 1_000_000 }

    /// Start-up: the newest `mains` / `water_ok` of every station, from the store, so "working"
    /// is right before the first sample arrives.
    static func seedFacilities(_ states: inout [String: StationLiveState], from reader: StoreReader) throws {
        for metric in ["mains", "water_ok"] {
            for (station, latest) in try reader.latestOfMetric(metric) {
                guard case .bool(let on) = latest.value else { continue }
                states[station, default: StationLiveState()].seed(metric: metric, on: on, ts: latest.ts)
            }
        }
    }
}

/// Opening hours as unions write them: `08:00-20:00`, several ranges separated by commas
/// (`07:00-09:00, 11:00-13:30`), overnight ranges (`20:00-06:00`), `24小时` / `24h` / `全天`.
/// Anything else is shown as written, with "open now" unknown.
enum OpeningHours {
    static func isRoundTheClock(_ text: String) -> Bool {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        return ["24小时", "24h", "24小时开放", "全天", "全天开放", "00:00-24:00", "0:00-24:00"].contains(t)
    }

    /// The ranges in minutes of the day, or nil if the text is not of the forms above.
    static func ranges(_ text: String) -> [(from: Int, to: Int)]? {
        if isRoundTheClock(text) { return [(0, 1440)] }
        let separators = CharacterSet(charactersIn: ",，;；、")
        var out: [(Int, Int)] = []
        for part in text.components(separatedBy: separators) {
            let p = part.trimmingCharacters(in: .whitespaces)
            if p.isEmpty { continue }
            let dashes = CharacterSet(charactersIn: "-–—~～至")
            let ends = p.components(separatedBy: dashes).map { $0.trimmingCharacters(in: .whitespaces) }
            guard ends.count == 2, let a = minutes(ends[0]), let b = minutes(ends[1]) else { return nil }
            out.append((a, b))
        }
        return out.isEmpty ? nil : out
    }

    /// `H:MM` / `HH:MM` (also with a full-width colon), 0:00…24:00.
    static func minutes(_ text: String) -> Int? {
        let parts = text.replacingOccurrences(of: "：", with: ":").split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0...59).contains(m),
              h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }

    /// Whether `text` says open at `minute` of the local day; nil when it cannot be read.
    static func isOpen(_ text: String, minute: Int) -> Bool? {
        guard let ranges = ranges(text) else { return nil }
        for r in ranges {
            if r.from == r.to { continue }
            if r.from < r.to ? (minute >= r.from && minute < r.to) : (minute >= r.from || minute < r.to) { return true }
        }
        return false
    }

    /// Minute of the local day at `now`.
    static func minuteOfDay(_ now: Int64, _ zone: ReportTimeZone) -> Int {
        let local = now + zone.offsetMs(at: now)
        let dayMs = ((local % 86_400_000) + 86_400_000) % 86_400_000
        return Int(dayMs / 60_000)
    }
}

/// The places a worker without location access can pick: every league's centre and its urban
/// districts (approximate coordinates of the seats, ±1 km: enough to sort stations by distance),
/// plus, for any other region that has stations, the centre of its stations.
enum FinderPlaces {
    struct Place: Equatable {
        let name: String
        let region: String
        let lat: Double
        let lon: Double
        /// A district within a league (shown indented), not the league itself.
        let district: Bool
    }

    static let innerMongolia: [String: (centre: (Double, Double), districts: [(String, Double, Double)])] = [
        "150100": ((40.842, 111.749), [("新城区", 40.858, 111.665), ("回民区", 40.808, 111.623),
                                       ("玉泉区", 40.753, 111.675), ("赛罕区", 40.792, 111.702)]),
        "150200": ((40.657, 109.840), [("东河区", 40.576, 110.044), ("昆都仑区", 40.642, 109.839),
                                       ("青山区", 40.644, 109.902), ("九原区", 40.606, 109.967)]),
        "150300": ((39.655, 106.794), [("海勃湾区", 39.692, 106.822), ("海南区", 39.441, 106.891),
                                       ("乌达区", 39.505, 106.727)]),
        "150400": ((42.258, 118.887), [("红山区", 42.296, 118.953), ("松山区", 42.286, 118.916),
                                       ("元宝山区", 42.038, 119.288)]),
        "150500": ((43.617, 122.263), [("科尔沁区", 43.623, 122.255)]),
        "150600": ((39.608, 109.781), [("东胜区", 39.822, 109.963), ("康巴什区", 39.608, 109.858)]),
        "150700": ((49.212, 119.766), [("海拉尔区", 49.212, 119.736)]),
        "150800": ((40.743, 107.388), [("临河区", 40.751, 107.363)]),
        "150900": ((41.000, 113.133), [("集宁区", 41.000, 113.123)]),
        "152200": ((46.077, 122.068), [("乌兰浩特市", 46.072, 122.093)]),
        "152500": ((43.933, 116.086), [("锡林浩特市", 43.933, 116.086)]),
        "152900": ((38.843, 105.729), [("阿拉善左旗", 38.833, 105.667)]),
    ]

    /// The places for the regions that have stations, in GB/T 2260 order.
    static func places(for stations: [Station]) -> [Place] {
        var sums: [String: (lat: Double, lon: Double, n: Int)] = [:]
        for s in stations {
            let t = sums[s.region] ?? (0, 0, 0)
            sums[s.region] = (t.lat + s.lat, t.lon + s.lon, t.n + 1)
        }
        var out: [Place] = []
        for region in sums.keys.sorted() {
            if let known = innerMongolia[region], let name = Region.name(region) {
                out.append(Place(name: name, region: region, lat: known.centre.0, lon: known.centre.1, district: false))
                for d in known.districts {
                    out.append(Place(name: name + d.0, region: region, lat: d.1, lon: d.2, district: true))
                }
            } else {
                let t = sums[region]!
                out.append(Place(name: Region.name(region) ?? "地区 \(region)", region: region,
                                 lat: t.lat / Double(t.n), lon: t.lon / Double(t.n), district: false))
            }
        }
        return out
    }

    static func json(_ places: [Place]) -> String {
        var j = JSONText()
        j.raw("[")
        for (i, p) in places.enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("{\"name\":"); j.string(p.name)
            j.raw(",\"region\":"); j.string(p.region)
            j.raw(",\"lat\":"); j.number((p.lat * 10_000).rounded() / 10_000)
            j.raw(",\"lon\":"); j.number((p.lon * 10_000).rounded() / 10_000)
            j.raw(",\"district\":"); j.bool(p.district)
            j.raw("}")
        }
        j.raw("]")
        return j.text
    }
}

extension OperatorAPI {
    /// `GET /api/v1/public/stations[?lat=&lon=][&limit=N]`. The stations' public state is
    /// computed at most once per `PublicFeedCache.ttlMs` (O(stations), from memory); the whole
    /// feed is rendered once per period and shared by every response without a copy.
    func publicStations(_ query: [String: String]) throws -> HTTPResponse {
        let q = try PublicStations.Query(query)
        let now = clock()
        if q.position == nil && q.limit == nil {
            let feed = publicFeed.feed(now: now, entries: { publicEntries(now: now) }) { entries, at in
                SharedBody(Array(PublicStations.featureCollection(entries, generatedAt: at).utf8))
            }
            return .shared(200, contentType: "application/geo+json", feed, headers: Self.publicHeaders)
        }
        let body: String
        if let p = q.position {
            // Around a position (every phone's query): the nearest registered stations are
            // picked from the registry's coordinates alone (one pass of distances, a sort of
            // (distance, index) pairs), and only those `limit` get their public state. No
            // cache needed: at 186,000 stations this is a few tens of milliseconds.
            let zone = ReportTimeZone(identifier: config.reportTimeZone) ?? .shanghai
            let stations = registry.registry.stations
            let near = PublicStations.nearest(stations, lat: p.lat, lon: p.lon, limit: q.limit ?? stations.count) {
                PublicStations.isRegistered($0, at: now, zone: zone)
            }
            var entries = publicEntries(now: now, stations: stations, indices: near.map(\.i))
            for k in entries.indices { entries[k].distanceM = near[k].d }
            body = PublicStations.featureCollection(entries, generatedAt: now)
        } else {
            let (entries, at) = publicFeed.entries(now: now) { publicEntries(now: now) }
            body = PublicStations.featureCollection(PublicStations.select(entries, q), generatedAt: at)
        }
        return HTTPResponse(status: 200, contentType: "application/geo+json", body: Array(body.utf8),
                            headers: Self.publicHeaders)
    }

    /// Every registered station as the public sees it now, by id.
    func publicEntries(now: Int64) -> [PublicStations.Entry] {
        let stations = registry.registry.stations
        // By id: the order of the indices is sorted, never the (large) entries themselves.
        // (Comparing `stations[i].id` in the closure would copy a whole Station per comparison.)
        let ids = stations.map(\.id)
        let zone = ReportTimeZone(identifier: config.reportTimeZone) ?? .shanghai
        let byID = ids.indices.sorted { ids[$0] < ids[$1] }.filter { PublicStations.isRegistered(stations[$0], at: now, zone: zone) }
        return publicEntries(now: now, stations: stations, indices: byID)
    }

    /// The public state of `stations[i]` for each of `indices`, in that order.
    func publicEntries(now: Int64, stations: [Station], indices: [Int]) -> [PublicStations.Entry] {
        let zone = ReportTimeZone(identifier: config.reportTimeZone) ?? .shanghai
        let minute = OpeningHours.minuteOfDay(now, zone)
        let live = pipeline.stationStates
        var entries: [PublicStations.Entry] = []
        entries.reserveCapacity(indices.count)
        // Registries repeat a handful of hours texts; reading one (Foundation string work) costs
        // microseconds, so each distinct text is read once per computation, not once per station
        // (186,000 stations: seconds otherwise).
        var openByHours: [String: Bool?] = [:]
        let heartbeatRules = alerts.rules.current.heartbeatRules
        let snapshot = pipeline.alertingSnapshot
        for index in indices {
            let st = stations[index]
            let state = live[st.id]
            var openNow: Bool?
            if let hours = PublicStations.hoursText(st) {
                if let known = openByHours[hours] {
                    openNow = known
                } else {
                    openNow = OpeningHours.isOpen(hours, minute: minute)
                    openByHours[hours] = openNow
                }
            }
            entries.append(PublicStations.Entry(
                station: st, reachable: isOnline(st, state, now: now, heartbeatRules: heartbeatRules, snapshot: snapshot),
                power: state?.mains?.on, water: state?.water?.on,
                openNow: openNow, distanceM: nil))
        }
        return entries
    }

    /// `GET /api/v1/public/places`: `[{name, region, lat, lon, district}]` for the finder's picker.
    func publicPlaces() -> HTTPResponse {
        let body = FinderPlaces.json(FinderPlaces.places(for: registry.registry.stations))
        return HTTPResponse(status: 200, contentType: "application/json", body: Array(body.utf8),
                            headers: [("Cache-Control", "public, max-age=300"), ("Access-Control-Allow-Origin", "*")])
    }

    /// Public data, no credentials: any site may read it (a union's own app or map).
    static let publicHeaders: [(String, String)] = [
        ("Cache-Control", "public, max-age=\(PublicStations.maxAgeSeconds)"), ("Access-Control-Allow-Origin", "*"),
    ]
}

/// The public stations' state, computed at most once per `ttlMs` of the service clock, and the
/// whole feed rendered from it once. Readers racing on an expired entry may each recompute it
/// (at most one per HTTP worker); nothing waits on a lock while computing.
final class PublicFeedCache: Sendable {
    static let ttlMs: Int64 = 1_000

    private struct Snapshot: Sendable {
        let at: Int64
        let entries: [PublicStations.Entry]
        var feed: SharedBody?
    }

    private let current = Mutex<Snapshot?>(nil)

    private func fresh(_ now: Int64) -> Snapshot? {
        current.withLock { s in
            guard let s, now >= s.at, now - s.at < Self.ttlMs else { return nil }
            return s
        }
    }

    /// The entries and the time they were computed at.
    func entries(now: Int64, compute: () -> [PublicStations.Entry]) -> ([PublicStations.Entry], Int64) {
        if let s = fresh(now) { return (s.entries, s.at) }
        let s = Snapshot(at: now, entries: compute(), feed: nil)
        current.withLock { $0 = s }
        return (s.entries, s.at)
    }

    /// The whole feed, rendered once per snapshot.
    func feed(now: Int64, entries compute: () -> [PublicStations.Entry],
              render: ([PublicStations.Entry], Int64) -> SharedBody) -> SharedBody {
        if let s = fresh(now), let feed = s.feed { return feed }
        let (entries, at) = self.entries(now: now, compute: compute)
        let feed = render(entries, at)
        current.withLock { s in
            if s?.at == at { s?.feed = feed }
        }
        return feed
    }
}
