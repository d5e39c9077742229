import Foundation
import Testing
import YizhanCore

/// The fixed vocabulary of station services and its check in the registry loader.
@Suite struct StationServicesTests {
    private func load(_ text: String) throws(ConfigError) -> Registry {
        try Registry.decode(Data(text.utf8), file: "stations.json5")
    }

    @Test func fifteenServicesWithStableIdsAndBothLabels() {
        #expect(StationService.allCases.count == 15)
        #expect(Set(StationService.allCases.map(\.rawValue)).count == 15)
        for s in StationService.allCases {
            #expect(s.rawValue.allSatisfy { $0.isASCII && ($0.isLowercase || $0 == "_") }, "\(s.rawValue)")
            #expect(!s.chinese.isEmpty && !s.english.isEmpty)
        }
        #expect(StationService(rawValue: "drinking_water") == .drinkingWater)
        #expect(StationService(rawValue: "heating_meal") == .heatingMeal)
    }

    @Test func knownServicesAddressAndHoursLoad() throws {
        let registry = try load("""
        {stations: [
          {id: "a-1", name: "甲", region: "150100", lat: 40.8, lon: 111.7, unmanned: false,
           address: "新城区新华大街 12 号", hours: "08:00-20:00", services: ["rest", "drinking_water", "toilet"]},
          {id: "b-2", name: "乙", region: "150100", lat: 40.8, lon: 111.7, unmanned: true, services: []},
        ]}
        """)
        #expect(registry.station("a-1")?.services == ["rest", "drinking_water", "toilet"])
        #expect(registry.station("a-1")?.hours == "08:00-20:00")
        #expect(registry.station("b-2")?.services == [])
        #expect(registry.station("b-2")?.hours == nil)
    }

    @Test func anUnknownServiceIsRefusedWithFileLineAndStation() {
        let text = """
        {stations: [
          {id: "a-1", name: "甲", region: "150100", lat: 40.8, lon: 111.7, unmanned: false, services: ["rest"]},
          {id: "b-2", name: "乙", region: "150100", lat: 40.8, lon: 111.7, unmanned: true,
           services: ["rest", "sauna"]},
        ]}
        """
        #expect {
            try load(text)
        } throws: { error in
            let e = "\(error)"
            return e.contains("stations.json5:4") && e.contains("b-2") && e.contains("\"sauna\"")
                && e.contains("services[1]") && e.contains("drinking_water")
        }
    }

    @Test func aServiceListedTwiceIsRefused() {
        #expect {
            try load("{stations: [{id: \"a-1\", name: \"甲\", region: \"150100\", lat: 40.8, lon: 111.7, unmanned: false, services: [\"wifi\", \"wifi\"]}]}")
        } throws: { error in
            "\(error)".contains("listed twice") && "\(error)".contains("stations.json5:1")
        }
    }

    @Test func theSampleRegistryUsesOnlyKnownServices() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/stations.json5").path
        let data = try #require(FileManager.default.contents(atPath: path))
        _ = try Registry.decode(data, file: path)
    }
}
