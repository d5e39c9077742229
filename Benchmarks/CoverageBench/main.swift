import Foundation
import FirmwareSimKit
import YizhanCore
import YizhanProcess

/// `coverage-bench [--stations 3000,186000] [--runs 3] [--radius 1000] [--registry PATH]`:
/// the walking-circle analysis on generated fleets (3,000 stations in Inner Mongolia, the rest
/// over China's prefectures), timed: building the index, the per-league figures (covered and
/// overlap area, sole providers), the holes of 1 % of the fleet down, and nearest-working-station
/// look-ups. Medians of `--runs`, with the machine. `--registry` instead prints the figures per
/// league of a registry file (the README's sample-registry table).
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("coverage-bench: \(message)\nusage: coverage-bench [--stations 3000,186000] [--runs 3] [--radius 1000] [--registry PATH]\n".utf8))
    exit(2)
}
let sizes: [Int], runs: Int, radius: Double, registryPath: String?
do {
    let flags = try Flags(Array(CommandLine.arguments.dropFirst()), accepted: ["stations", "runs", "radius", "registry"], positional: false)
    sizes = try flags.counts("stations", default: [3_000, 186_000])
    runs = try flags.int("runs", in: 1...50, default: 3)
    radius = try flags.double("radius", in: 50...20_000, default: 1_000)
    registryPath = flags["registry"]
} catch {
    fail("\(error)")
}

func seconds(_ body: () -> Void) -> Double {
    let t = ContinuousClock.now
    body()
    let d = ContinuousClock.now - t
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

if let registryPath {
    guard let data = FileManager.default.contents(atPath: registryPath) else { fail("cannot read \(registryPath)") }
    let registry: Registry
    do { registry = try Registry.decode(data, file: registryPath) } catch { fail("\(error)") }
    let analysis = CoverageAnalysis(sites: registry.stations.map(CoverageSite.init), radiusM: radius)
    print("\(registryPath): \(registry.stations.count) stations, radius \(Int(radius)) m")
    print("| league | stations | covered km² | overlap km² | overlap share | sole providers |")
    print("|---|---:|---:|---:|---:|---:|")
    var covered = 0.0, overlap = 0.0, sole = 0, total = 0
    for l in analysis.leagues() {
        covered += l.coveredM2; overlap += l.overlapM2; sole += l.soleProviders.count; total += l.stations
        print(String(format: "| %@ %@ | %d | %.2f | %.2f | %.1f %% | %d |", Region.name(l.region) ?? "", l.region, l.stations,
                     l.coveredM2 / 1e6, l.overlapM2 / 1e6, l.overlapSharePct ?? 0, l.soleProviders.count))
    }
    print(String(format: "| all | %d | %.2f | %.2f | %.1f %% | %d |", total, covered / 1e6, overlap / 1e6, 100 * overlap / max(covered, 1), sole))
    exit(0)
}

print("coverage-bench on \(Machine.describe())")
print("radius \(Int(radius)) m, \(runs) runs each, medians")
for n in sizes {
    let stations = n <= 3_000
        ? FleetPlan.generate(count: n, seed: 2026)
        : FleetPlan.generate(count: n, seed: 2026, regions: GeoRegions.china, idPrefix: "cn")
    let sites = stations.map(CoverageSite.init)
    var build: [Double] = [], leagues: [Double] = [], holes: [Double] = [], nearest: [Double] = []
    var figures = ""
    for _ in 0..<runs {
        var analysis: CoverageAnalysis!
        build.append(seconds { analysis = CoverageAnalysis(sites: sites, radiusM: radius) })
        var result: [LeagueCoverage] = []
        leagues.append(seconds { result = analysis.leagues() })
        let down = Set(stride(from: 0, to: n, by: 100))
        var uncovered = 0.0
        holes.append(seconds { for d in down.sorted() { uncovered += analysis.hole(d) { !down.contains($0) }.uncoveredM2 } })
        var found = 0
        nearest.append(seconds {
            for d in down.sorted() { if analysis.grid.nearest(lat: sites[d].lat, lon: sites[d].lon, include: { !down.contains($0) }) != nil { found += 1 } }
        })
        let covered = result.reduce(0) { $0 + $1.coveredM2 }, overlap = result.reduce(0) { $0 + $1.overlapM2 }
        let sole = result.reduce(0) { $0 + $1.soleProviders.count }
        figures = String(format: "%d leagues, covered %.0f km², overlap share %.1f %%, %d sole providers; %d down: %.1f km² uncovered",
                         result.count, covered / 1e6, 100 * overlap / covered, sole, down.count, uncovered / 1e6)
    }
    print(String(format: "%7d stations: index %.3f s, per-league figures %.3f s, holes of %d down %.3f s, %d nearest look-ups %.3f s",
                 n, median(build), median(leagues), (n + 99) / 100, median(holes), (n + 99) / 100, median(nearest)))
    print("                 \(figures)")
}
