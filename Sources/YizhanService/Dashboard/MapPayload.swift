import YizhanCore

/// `GET /api/v1/map`: every station's place and state in 4.5 bytes, so that the national fleet
/// (186,000 stations) is well under 1 MB without compression (libmicrohttpd sends bodies as
/// they are).
///
/// Layout (`application/vnd.yizhan.map`, little-endian):
///
///     "YZM1"                 4 bytes, magic and version
///     H                      u32, length of the JSON header
///     header                 H bytes of UTF-8 JSON, padded with spaces so what follows is 4-aligned
///     lat[count]             u16: lat0 + lat × (lat1 − lat0) / 65535
///     lon[count]             u16: lon0 + lon × (lon1 − lon0) / 65535
///     state[(count+1)/2]     4 bits each, station 2k in the low half of byte k, 2k+1 in the high:
///                            FleetState (0 ok, 1 warning, 2 major, 3 critical, 4 offline, 5 nodata)
///
/// The header: `{"format": "yizhan-map-1", "generation", "cursor", "now", "count",
/// "bbox": [lat0, lon0, lat1, lon1], "quant": 65535, "states": ["ok", …],
/// "regions": [{"code", "name", "count"}]}`. Stations are in region order, then by id:
/// station `i` is in the region whose running count first exceeds `i`. Its id and name come
/// from `GET /api/v1/map/stations/{i}?generation=G` (hover) — names would be most of the bytes.
/// Over China's extent a step is about 60 m north–south and 100 m east–west.
enum MapPayload {
    static let magic: [UInt8] = Array("YZM1".utf8)
    static let contentType = "application/vnd.yizhan.map"
    static let quant = 65_535.0

    struct Geometry: Sendable {
        let lat0: Double, lon0: Double, lat1: Double, lon1: Double
    }

    /// The lat and lon arrays (both, one after the other), quantized over the fleet's bounding box.
    static func positions(_ stations: [Station]) -> (Geometry, [UInt8]) {
        guard let first = stations.first else { return (Geometry(lat0: 0, lon0: 0, lat1: 1, lon1: 1), []) }
        var lat0 = first.lat, lat1 = first.lat, lon0 = first.lon, lon1 = first.lon
        for s in stations {
            lat0 = min(lat0, s.lat); lat1 = max(lat1, s.lat)
            lon0 = min(lon0, s.lon); lon1 = max(lon1, s.lon)
        }
        // A little room so a single station (or one line of them) still has an extent.
        lat0 -= 0.001; lat1 += 0.001; lon0 -= 0.001; lon1 += 0.001
        let g = Geometry(lat0: lat0, lon0: lon0, lat1: lat1, lon1: lon1)
        var out = [UInt8](repeating: 0, count: stations.count * 4)
        let n = stations.count
        for (i, s) in stations.enumerated() {
            let qa = UInt16(((s.lat - lat0) / (lat1 - lat0) * quant).rounded())
            let qo = UInt16(((s.lon - lon0) / (lon1 - lon0) * quant).rounded())
            out[2 * i] = UInt8(qa & 0xFF); out[2 * i + 1] = UInt8(qa >> 8)
            out[2 * n + 2 * i] = UInt8(qo & 0xFF); out[2 * n + 2 * i + 1] = UInt8(qo >> 8)
        }
        return (g, out)
    }

    static func encode(generation: String, cursor: Int64, now: Int64, geometry g: Geometry,
                       regions: [(code: String, name: String?, count: Int)], positions: [UInt8], codes: [UInt8]) -> [UInt8] {
        var j = JSONText()
        j.raw("{\"format\":\"yizhan-map-1\",\"generation\":"); j.string(generation)
        j.raw(",\"cursor\":\(cursor),\"now\":"); j.time(now)
        j.raw(",\"count\":\(codes.count),\"bbox\":[")
        j.raw([g.lat0, g.lon0, g.lat1, g.lon1].map { JSONText.format(($0 * 1e6).rounded() / 1e6) }.joined(separator: ","))
        j.raw("],\"quant\":65535,\"states\":[")
        j.raw(FleetState.allCases.map { "\"\($0.name)\"" }.joined(separator: ","))
        j.raw("],\"regions\":[")
        for (k, r) in regions.enumerated() {
            if k > 0 { j.raw(",") }
            j.raw("{\"code\":"); j.string(r.code)
            j.raw(",\"name\":"); j.optionalString(r.name)
            j.raw(",\"count\":\(r.count)}")
        }
        j.raw("]}")
        var header = Array(j.text.utf8)
        while (8 + header.count) % 4 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + positions.count + (codes.count + 1) / 2)
        out += magic
        let h = UInt32(header.count)
        out += [UInt8(h & 0xFF), UInt8((h >> 8) & 0xFF), UInt8((h >> 16) & 0xFF), UInt8(h >> 24)]
        out += header
        out += positions
        var packed = [UInt8](repeating: 0, count: (codes.count + 1) / 2)
        for (i, c) in codes.enumerated() { packed[i / 2] |= (c & 0x0F) << (i % 2 == 0 ? 0 : 4) }
        out += packed
        return out
    }
}
