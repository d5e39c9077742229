import Foundation
import Testing
import YizhanCore

private let file = "config/stations.json5"

private func load(_ text: String) throws(ConfigError) -> Registry {
    try Registry.decode(Data(text.utf8), file: file)
}

/// The error `load` throws, or nil.
private func error(_ text: String) -> ConfigError? {
    do {
        _ = try load(text)
        return nil
    } catch {
        return error
    }
}

private let good = """
// Stations of the Inner Mongolia pilot.
{
  stations: [
    {id: "hh-001", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.84, lon: 111.75, unmanned: true},
    {
      id: 'bt_002',            // single quotes are JSON5
      name: "包头市昆都仑区驿站",
      region: "150200",
      lat: 40.66,
      lon: 109.84,
      unmanned: false,
      opened: "2025-06-01",    /* extra fields are allowed */
      tags: ["24h", "heated",],
    },
  ],
}
"""

/// Six stations, one per line, at lines 3…8; `patch` replaces line `index + 3`.
private func sixStations(patch index: Int? = nil, with line: String = "") -> String {
    var lines = ["{", "  stations: ["]
    for i in 0..<6 {
        if i == index {
            lines.append(line)
        } else {
            lines.append("    {id: \"hh-00\(i)\", name: \"驿站\(i)\", region: \"150100\", lat: 40.\(i), lon: 111.\(i), unmanned: true},")
        }
    }
    lines += ["  ]", "}"]
    return lines.joined(separator: "\n")
}

@Suite("Registry")
struct RegistryTests {
    @Test("reads the JSON5 registry, ignores extra fields, looks stations up by id")
    func decodesJSON5() throws {
        let r = try load(good)
        #expect(r.stations.map(\.id) == ["hh-001", "bt_002"])
        #expect(r.station("bt_002") == Station(id: "bt_002", name: "包头市昆都仑区驿站", region: "150200", lat: 40.66, lon: 109.84, unmanned: false))
        #expect(r.station("hh-001")?.unmanned == true)
        #expect(r.station("hh-001")?.name == "呼和浩特市新城区快递小哥驿站")
        #expect(r.station("HH-001") == nil)
        #expect(r.station("") == nil)
        #expect(try load("{stations: []}").stations.isEmpty)
        #expect(Registry.empty.station("hh-001") == nil)
    }

    @Test("plain JSON works too")
    func plainJSON() throws {
        let r = try load(#"{"stations": [{"id": "a", "name": "n", "region": "152900", "lat": -90, "lon": 180, "unmanned": false}]}"#)
        #expect(r.station("a")?.lat == -90 && r.station("a")?.lon == 180)
    }

    @Test("lookups stay fast for many stations")
    func manyStations() throws {
        let stations = (0..<20_000).map { Station(id: "s\($0)", name: "n", region: "150100", lat: 40, lon: 110, unmanned: true) }
        let r = try Registry(stations: stations)
        let clock = ContinuousClock()
        let start = clock.now
        for i in 0..<20_000 { #expect(r.station("s\(i)") != nil) }
        #expect(clock.now - start < .seconds(2))
    }

    @Test("registry equality compares the stations")
    func equality() throws {
        #expect(try load(good) == load(good))
        #expect(try load(good) != Registry(stations: []))
    }

    @Test("a bad region names the file, line, index and id")
    func badRegion() {
        let e = error(sixStations(patch: 3, with: #"    {id: "hh-003", name: "驿站3", region: "15010", lat: 40.3, lon: 111.3, unmanned: true},"#))
        #expect(e == ConfigError(file: file, line: 6, message: #"stations[3] (id "hh-003"): region "15010" is not a six-digit GB/T 2260 code"#))
        #expect(e?.description == #"config/stations.json5:6: stations[3] (id "hh-003"): region "15010" is not a six-digit GB/T 2260 code"#)
    }

    @Test("semantic errors point at the offending field's line", arguments: [
        (#"{id: "hh 3", name: "n", region: "150100", lat: 1, lon: 1, unmanned: true},"#,
         #"stations[3] (id "hh 3"): id "hh 3" is not 1 to 64 characters of A-Z a-z 0-9 _ -"#),
        (#"{id: "", name: "n", region: "150100", lat: 1, lon: 1, unmanned: true},"#,
         #"stations[3] (id ""): id "" is not 1 to 64 characters of A-Z a-z 0-9 _ -"#),
        (#"{id: "hh-003", name: "  ", region: "150100", lat: 1, lon: 1, unmanned: true},"#,
         #"stations[3] (id "hh-003"): name is empty"#),
        (#"{id: "hh-003", name: "n", region: "1501OO", lat: 1, lon: 1, unmanned: true},"#,
         #"stations[3] (id "hh-003"): region "1501OO" is not a six-digit GB/T 2260 code"#),
        (#"{id: "hh-003", name: "n", region: "150100", lat: 90.5, lon: 1, unmanned: true},"#,
         #"stations[3] (id "hh-003"): lat 90.5 outside -90…90"#),
        (#"{id: "hh-003", name: "n", region: "150100", lat: NaN, lon: 1, unmanned: true},"#,
         #"stations[3] (id "hh-003"): lat nan outside -90…90"#),
        (#"{id: "hh-003", name: "n", region: "150100", lat: 1, lon: -180.01, unmanned: true},"#,
         #"stations[3] (id "hh-003"): lon -180.01 outside -180…180"#),
        (#"{id: "hh-001", name: "n", region: "150100", lat: 1, lon: 1, unmanned: true},"#,
         #"stations[3] (id "hh-001"): duplicate id, already used by stations[1] at line 4"#),
    ])
    func semanticErrors(line: String, message: String) {
        let e = error(sixStations(patch: 3, with: "    " + line))
        #expect(e == ConfigError(file: file, line: 6, message: message))
    }

    @Test("in a multi-line station the line is that of the bad field")
    func multiLineStation() {
        let text = """
        {stations: [
          {
            id: "hh-001",
            name: "驿站",
            region: "150100",
            lat: 40.8,
            lon: 211.7,
            unmanned: true,
          },
        ]}
        """
        #expect(error(text) == ConfigError(file: file, line: 7, message: #"stations[0] (id "hh-001"): lon 211.7 outside -180…180"#))
    }

    @Test("type errors and missing fields name the path and line")
    func decodingErrors() {
        let wrongType = error(sixStations(patch: 2, with: #"    {id: "hh-002", name: "n", region: 150100, lat: 1, lon: 1, unmanned: true},"#))
        #expect(wrongType?.line == 5)
        #expect(wrongType?.message.hasPrefix(#"stations[2] (id "hh-002"): region: "#) == true)

        let missing = error(sixStations(patch: 4, with: #"    {id: "hh-004", name: "n", lat: 1, lon: 1, unmanned: true},"#))
        #expect(missing == ConfigError(file: file, line: 7, message: #"stations[4] (id "hh-004"): missing "region""#))

        let notBool = error(sixStations(patch: 5, with: #"    {id: "hh-005", name: "n", region: "150100", lat: 1, lon: 1, unmanned: "yes"},"#))
        #expect(notBool?.line == 8)

        let nullName = error(sixStations(patch: 0, with: #"    {id: "hh-000", name: null, region: "150100", lat: 1, lon: 1, unmanned: true},"#))
        #expect(nullName?.line == 3)
        #expect(nullName?.message.hasPrefix(#"stations[0] (id "hh-000"): name: "#) == true)

        let noStations = error("{\n  station: []\n}")
        #expect(noStations == ConfigError(file: file, line: 1, message: #"top level: missing "stations""#))

        let notList = error("{\n  stations: {}\n}")
        #expect(notList?.line == 2)
        #expect(notList?.message.hasPrefix("stations: ") == true)

        let topArray = error("[]")
        #expect(topArray?.line == 1)
    }

    @Test("syntax errors get a line number too", arguments: [
        ("{stations: [\n  {id: \"a\" name: \"n\"},\n]}", 2, "expected ',' or '}' but found 'n'"),
        ("{stations: [\n  {id: \"a\",\n   name: \"n\n\"}]}", 3, "unterminated string (line break inside)"),
        ("{stations: [\n\n\n  {id: \"a\", lat: 01}]}", 4, "invalid number (leading zero)"),
        ("{stations: [\n  {id: \"a\"},\n", 3, "unexpected end of file: '[' not closed"),
        ("{stations: [\n  /* unclosed\n  {}]}", 2, "unterminated /* comment"),
        ("{stations: []}\n\nx", 3, "unexpected data after the top-level value"),
        ("", 1, "unexpected end of file"),
        ("{stations: [\n  {id: \"a\", lat: 1..2}]}", 2, "expected ',' or '}' but found '.'"),
        ("{stations: [\n  {id: \"a\", lat: @}]}", 2, "unexpected character '@'"),
        ("{stations:: []}", 1, "unexpected character ':'"),
    ])
    func syntaxErrors(text: String, line: Int, detail: String) {
        let e = error(text)
        #expect(e?.file == file)
        #expect(e?.line == line, "\(e?.description ?? "no error")")
        #expect(e?.message.hasPrefix("not valid JSON5") == true)
        #expect(e?.message.contains(detail) == true, "\(e?.message ?? "")")
    }

    @Test("init(stations:) validates too, without a line")
    func validatingInit() {
        let ok = Station(id: "a", name: "n", region: "150100", lat: 0, lon: 0, unmanned: false)
        #expect(throws: ConfigError(file: "<registry>", line: nil, message: #"stations[1] (id "a"): duplicate id, already used by stations[0]"#)) {
            try Registry(stations: [ok, ok])
        }
        #expect(throws: ConfigError.self) { try Registry(stations: [Station(id: "a/b", name: "n", region: "150100", lat: 0, lon: 0, unmanned: false)]) }
        #expect(throws: ConfigError.self) { try Registry(stations: [Station(id: "a", name: "", region: "150100", lat: 0, lon: 0, unmanned: false)]) }
        #expect(throws: ConfigError.self) { try Registry(stations: [Station(id: "a", name: "n", region: "1501000", lat: 0, lon: 0, unmanned: false)]) }
        #expect(throws: ConfigError.self) { try Registry(stations: [Station(id: "a", name: "n", region: "150100", lat: -90.1, lon: 0, unmanned: false)]) }
        #expect(throws: ConfigError.self) { try Registry(stations: [Station(id: "a", name: "n", region: "150100", lat: 0, lon: .infinity, unmanned: false)]) }
        #expect(throws: ConfigError.self) { try Registry(stations: [Station(id: String(repeating: "a", count: 65), name: "n", region: "150100", lat: 0, lon: 0, unmanned: false)]) }
        #expect((try? Registry(stations: [Station(id: String(repeating: "a", count: 64), name: "n", region: "150100", lat: 90, lon: -180, unmanned: false)])) != nil)
    }

    @Test("ConfigError describes itself with and without a line")
    func configErrorDescription() {
        #expect(ConfigError(file: "a.json5", line: 3, message: "bad").description == "a.json5:3: bad")
        #expect(ConfigError(file: "a.json5", message: "bad").description == "a.json5: bad")
    }

    @Test("the JSON5 features operators use are accepted")
    func json5Features() throws {
        let text = """
        // header comment
        /* block
           comment */
        {
          'stations': [
            {id: 'x-1', name: 'O\\'Brien \\u9A7F', region: '150100', lat: +40.5, lon: .5e2, unmanned: true, note: 0x1F, z: Infinity,},
            {"id": "x-2", "name": "两\\
        行", "region": "150300", "lat": 39., "lon": 106, "unmanned": false},
          ],
        }
        """
        let r = try load(text)
        #expect(r.station("x-1")?.name == "O'Brien 驿")
        #expect(r.station("x-1")?.lon == 50)
        #expect(r.station("x-2")?.lat == 39)
        // The line finder reads the same JSON5: a bad value after all of that is still located.
        let bad = text.replacingOccurrences(of: #""lat": 39."#, with: #""lat": 99."#)
        #expect(error(bad) == ConfigError(file: file, line: 8, message: #"stations[1] (id "x-2"): lat 99.0 outside -90…90"#))
    }

    @Test("invalid UTF-8 is refused with its line (Foundation's JSON5 scanner would trap on it)", arguments: [
        [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE5, 0x91],
    ] as [[UInt8]])
    func invalidUTF8(bad: [UInt8]) {
        // As an unquoted key (where Foundation traps), and inside a string.
        for (prefix, suffix) in [("{\n\n  ", "stations: []}"), ("{stations: [\n  {id: \"a\", name: \"", "\"}]}")] {
            let bytes = Array(prefix.utf8) + bad + Array(suffix.utf8)
            #expect(throws: ConfigError(file: file, line: 3 - (prefix.hasPrefix("{s") ? 1 : 0), message: "not valid UTF-8 (byte \(prefix.utf8.count))")) {
                try Registry.decode(Data(bytes), file: file)
            }
        }
    }

    @Test("random and mutated registry files never crash the loader")
    func fuzz() {
        var rng = SeededRandom(seed: 5)
        let base = Array(good.utf8)
        let alphabet = Array("{}[],:'\"/*\\\n 0123456789.+-xeEINu$_aé".utf8) + [0x00, 0xC3, 0xA9, 0xE2, 0x80, 0xA8, 0xFF, 0xF0, 0x9F, 0xED, 0xA0]
        for round in 0..<5000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)], at: at)
                default: bytes = Array(bytes[..<at])
                }
                if bytes.isEmpty { break }
            }
            if round % 5 == 0 { bytes = (0..<Int.random(in: 0...100, using: &rng)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] } }
            do {
                let r = try Registry.decode(Data(bytes), file: file)
                #expect(r.stations.count <= 2)
            } catch {
                #expect(error.file == file && !error.message.isEmpty)
                if let line = error.line { #expect(line >= 1 && line <= bytes.filter { $0 == 0x0A }.count + 1) }
            }
        }
        // Deep nesting is refused, not a stack overflow.
        let deep = "{stations: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(error(deep) != nil)
    }
}
