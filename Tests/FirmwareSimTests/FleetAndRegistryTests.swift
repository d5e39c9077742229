import Foundation
import Testing
import YizhanCore
@testable import FirmwareSimKit

@Suite struct FleetAndRegistryTests {
    @Test func sameSeedSameFleetDifferentSeedDifferentFleet() {
        let a = FleetPlan.generate(count: 300, seed: 42)
        #expect(a == FleetPlan.generate(count: 300, seed: 42))
        #expect(a != FleetPlan.generate(count: 300, seed: 43))
        // Growing the fleet keeps the stations already there.
        #expect(Array(FleetPlan.generate(count: 400, seed: 42).prefix(300)) == a)
        #expect(RegistryFile.render(a) == RegistryFile.render(FleetPlan.generate(count: 300, seed: 42)))
    }

    @Test func stationsArePlausible() {
        let fleet = FleetPlan.generate(count: 2000, seed: 7)
        #expect(Set(fleet.map(\.id)).count == fleet.count)
        let codes = Set(Region.innerMongolia.map(\.code))
        #expect(Set(fleet.map(\.region)) == codes, "all 12 regions are used")
        for s in fleet {
            #expect(StationTopic.isStationID(s.id))
            #expect(s.id.hasPrefix("nm\(s.region)-"))
            #expect(codes.contains(s.region))
            let geo = FleetPlan.regions.first { $0.code == s.region }!
            #expect(s.name.hasPrefix(geo.name) && (s.name.hasSuffix("驿站") || s.name.hasSuffix("服务站")))
            // Inner Mongolia's bounding box, and close to the region's centre.
            #expect((37.4...53.4).contains(s.lat) && (97.1...126.1).contains(s.lon))
            #expect(abs(s.lat - geo.lat) < 0.2 && abs(s.lon - geo.lon) < 0.2)
        }
        #expect(fleet.first?.id.hasSuffix("-0001") == true)
        let share = Double(fleet.filter(\.unmanned).count) / Double(fleet.count)
        #expect(share > 0.14 && share < 0.20, "unmanned share \(share)")
        #expect(FleetPlan.generate(count: 500, seed: 7, unmannedShare: 0).allSatisfy { !$0.unmanned })
        #expect(FleetPlan.generate(count: 500, seed: 7, unmannedShare: 1).allSatisfy { $0.unmanned })
    }

    /// Address, hours and services come from the seed and the station's own stream: the fields
    /// that were there before (ids, names, places, unattended) are exactly what they were.
    @Test func publicDetailsAreDeterministicAndLeaveTheFleetAsItWas() throws {
        let fleet = FleetPlan.generate(count: 1200, seed: 2026)
        // The first stations of the sample registry (config/stations.json5, seed 2026), as
        // generated before the public details existed.
        #expect(fleet[0] == Station(id: "nm150800-0001", name: "巴彦淖尔市临河区第1户外劳动者驿站", region: "150800",
                                    lat: 40.76331, lon: 107.43519, unmanned: false,
                                    address: fleet[0].address, hours: fleet[0].hours, services: fleet[0].services))
        #expect(fleet[2].id == "nm150200-0001" && fleet[2].lat == 40.65592 && fleet[2].lon == 109.86572 && fleet[2].unmanned)
        #expect(fleet == FleetPlan.generate(count: 1200, seed: 2026))
        #expect(fleet.map(\.address) != FleetPlan.generate(count: 1200, seed: 2027).map(\.address))
        let known = Set(StationService.allCases.map(\.rawValue))
        for s in fleet {
            let district = FleetPlan.regions.first { $0.code == s.region }!.districts.first { s.name.contains($0) } ?? ""
            #expect(s.address?.hasPrefix(district) == true && s.address?.contains("号") == true, "\(s.id): \(s.address ?? "nil")")
            // Unattended stations are open round the clock: no hours. Staffed ones have them.
            if s.unmanned { #expect(s.hours == nil) } else { #expect(s.hours.map { !$0.isEmpty } == true, "\(s.id)") }
            let services = try #require(s.services)
            #expect(services.starts(with: ["rest", "drinking_water"]))
            #expect(Set(services).isSubset(of: known) && Set(services).count == services.count)
            // In the vocabulary's order.
            #expect(services == StationService.allCases.map(\.rawValue).filter(services.contains))
        }
        #expect(Set(fleet.compactMap(\.hours)).count >= 5, "several kinds of hours")
        #expect(Set(fleet.compactMap(\.address)).count > 1_100, "addresses differ")
        // The service's own loader takes the registry as written.
        let registry = try Registry.decode(Data(RegistryFile.render(fleet).utf8), file: "stations.json5")
        #expect(registry.stations == fleet)
    }

    @Test func registryWrittenThenReadGivesTheSameStations() throws {
        let fleet = FleetPlan.generate(count: 250, seed: 99)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("fsim-\(UInt32.random(in: 0...UInt32.max))/stations.json5").path
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        try RegistryFile.write(fleet, to: path, comment: "test")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("// Yizhan station registry"))
        #expect(try RegistryFile.read(from: path) == fleet)
    }

    @Test func readsHandWrittenJSON5AndIgnoresExtraFields() throws {
        let json5 = """
        // operator's file
        {
          /* two stations */
          stations: [
            {id: "hh-001", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.8, lon: 111.7,
             unmanned: true, address: "新华大街", },
            {"id": "bt_2", "name": "包头市昆都仑区第2户外劳动者驿站", "region": "150200", "lat": 40.6, "lon": 109.8, "unmanned": false},
          ],
        }
        """
        let stations = try RegistryFile.parse(Data(json5.utf8))
        #expect(stations.map(\.id) == ["hh-001", "bt_2"])
        #expect(stations[0].unmanned && stations[0].name == "呼和浩特市新城区快递小哥驿站")
    }

    @Test func rejectsBadRegistries() {
        func fails(_ s: String) -> Bool { (try? RegistryFile.parse(Data(s.utf8))) == nil }
        #expect(fails(#"{stations: [{id: "a b", name: "x", region: "150100", lat: 1, lon: 1, unmanned: false}]}"#))
        #expect(fails(#"{stations: [{id: "a", name: "x", region: "1501", lat: 1, lon: 1, unmanned: false}]}"#))
        #expect(fails(#"{stations: [{id: "a", name: "x", region: "150100", lat: 1, lon: 1, unmanned: false},{id: "a", name: "y", region: "150100", lat: 1, lon: 1, unmanned: false}]}"#))
        #expect(fails(#"{stations: [{id: "a", name: "x", region: "150100", lat: 1, lon: 1}]}"#))
        #expect(fails("not json"))
    }
}
