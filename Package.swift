// swift-tools-version:6.0
import PackageDescription

// One concern per module: C shims (system libraries only), a pure domain core,
// one adapter per C library, the ingest pipeline, the service wiring, and thin
// executables. No third-party Swift packages.
let package = Package(
    name: "Yizhan",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "yizhan", targets: ["yizhan"]),
        .executable(name: "firmware-sim", targets: ["firmware-sim"]),
        .executable(name: "ingest-bench", targets: ["IngestBench"]),
        .executable(name: "report-bench", targets: ["ReportBench"]),
        .executable(name: "store-bench", targets: ["StoreBench"]),
        .executable(name: "coverage-bench", targets: ["CoverageBench"]),
    ],
    targets: [
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto",
                       providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
                       providers: [.apt(["libmicrohttpd-dev"])]),

        .target(name: "YizhanCore"),
        .target(name: "YizhanStore", dependencies: ["YizhanCore", "CSQLite"]),
        .target(name: "YizhanMQTT", dependencies: ["CMosquitto"]),
        .target(name: "YizhanHTTP", dependencies: ["CMicroHTTPD", "YizhanCore"]),
        .target(name: "YizhanProcess"),
        .target(name: "YizhanNotify", dependencies: ["YizhanCore", "YizhanStore"]),
        .target(name: "YizhanReports", dependencies: ["YizhanCore"]),
        .target(name: "YizhanIngest", dependencies: ["YizhanCore", "YizhanStore", "YizhanMQTT"]),
        .target(name: "YizhanService",
                dependencies: ["YizhanCore", "YizhanStore", "YizhanMQTT", "YizhanHTTP",
                               "YizhanProcess", "YizhanIngest", "YizhanNotify", "YizhanReports"]),
        .executableTarget(name: "yizhan", dependencies: ["YizhanService"]),

        .target(name: "FirmwareSimKit", dependencies: ["YizhanCore", "YizhanMQTT"],
                path: "firmware-sim/Sources/FirmwareSimKit"),
        .executableTarget(name: "firmware-sim", dependencies: ["FirmwareSimKit"],
                          path: "firmware-sim/Sources/firmware-sim"),

        .executableTarget(name: "IngestBench",
                          dependencies: ["YizhanCore", "YizhanMQTT", "YizhanProcess", "YizhanStore", "YizhanHTTP", "FirmwareSimKit"],
                          path: "Benchmarks/IngestBench"),
        .executableTarget(name: "ReportBench",
                          dependencies: ["YizhanCore", "YizhanProcess", "YizhanStore", "FirmwareSimKit"],
                          path: "Benchmarks/ReportBench"),
        .executableTarget(name: "StoreBench",
                          dependencies: ["YizhanCore", "YizhanProcess", "YizhanStore", "FirmwareSimKit"],
                          path: "Benchmarks/StoreBench"),

        .executableTarget(name: "CoverageBench", dependencies: ["YizhanCore", "YizhanProcess", "FirmwareSimKit"],
                          path: "Benchmarks/CoverageBench"),

        .testTarget(name: "YizhanCoreTests", dependencies: ["YizhanCore"]),
        .testTarget(name: "YizhanStoreTests", dependencies: ["YizhanStore", "YizhanCore"]),
        .testTarget(name: "YizhanReportsTests", dependencies: ["YizhanReports", "YizhanCore"]),
        .testTarget(name: "YizhanHTTPTests", dependencies: ["YizhanHTTP"]),
        .testTarget(name: "YizhanIngestTests", dependencies: ["YizhanIngest", "YizhanStore", "YizhanCore"]),
        .testTarget(name: "YizhanServiceTests", dependencies: ["YizhanService", "YizhanCore", "YizhanHTTP"]),
        .testTarget(name: "YizhanNotifyTests",
                    dependencies: ["YizhanNotify", "YizhanStore", "YizhanCore", "YizhanHTTP", "YizhanProcess"]),
        .testTarget(name: "FirmwareSimTests", dependencies: ["FirmwareSimKit", "YizhanCore", "YizhanMQTT", "YizhanProcess", "YizhanHTTP"]),
        .testTarget(name: "IntegrationTests",
                    dependencies: ["YizhanCore", "YizhanStore", "YizhanMQTT", "YizhanProcess", "YizhanHTTP",
                                   "YizhanService", "FirmwareSimKit", "yizhan", "firmware-sim"]),
    ],
    swiftLanguageModes: [.v6]
)
