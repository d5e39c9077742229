import Foundation
import Testing
import YizhanMQTT
@testable import FirmwareSimKit

@Suite struct CommandLineTests {
    func error(_ args: [String]) -> String? {
        if case .failure(let e) = FirmwareSimCLI.parse(args) { return e.description }
        return nil
    }

    @Test func parsesRunWithDefaults() throws {
        guard case .success(.run(let c)) = FirmwareSimCLI.parse(["run", "--broker", "mqtt://127.0.0.1:1884"]) else {
            Issue.record("run did not parse"); return
        }
        #expect(c.broker == MQTTBroker(host: "127.0.0.1", port: 1884))
        #expect(c.stations == nil && c.registryPath == nil && c.intervalMs == 10_000 && c.seed == 1)
        #expect(c.prefix == "yizhan/v1" && c.duration == nil && c.unmannedShare == 0.17 && c.connections == nil)
    }

    @Test func parsesEveryRunOption() throws {
        let args = ["run", "--broker=mqtt://h:1", "--stations", "25", "--write-registry", "/tmp/r.json5",
                    "--interval", "200ms", "--seed", "0xff", "--prefix", "a/b", "--duration", "1.5m",
                    "--unmanned-share", "0.5", "--connections", "3", "--start", "2025-11-21T12:00:00+08:00",
                    "--progress", "0"]
        guard case .success(.run(let c)) = FirmwareSimCLI.parse(args) else { Issue.record("\(args)"); return }
        #expect(c.stations == 25 && c.writeRegistry == "/tmp/r.json5" && c.intervalMs == 200 && c.seed == 255)
        #expect(c.prefix == "a/b" && c.duration == 90 && c.unmannedShare == 0.5 && c.connections == 3)
        #expect(c.start == 1_763_697_600_000 && c.progressEvery == 0)
        guard case .success(.registry(let r)) = FirmwareSimCLI.parse(["registry", "--stations", "9", "--out", "x", "--seed", "4"]) else {
            Issue.record("registry did not parse"); return
        }
        #expect(r == FirmwareSimCLI.RegistryConfig(stations: 9, seed: 4, out: "x"))
        guard case .success(.flood(let f)) = FirmwareSimCLI.parse(["flood", "--broker", "mqtt://h", "--count", "1000",
                                                                   "--connections", "4", "--batch", "10"]) else {
            Issue.record("flood did not parse"); return
        }
        #expect(f.broker.port == 1883 && f.count == 1000 && f.connections == 4 && f.batch == 10 && f.window == 1000)
        #expect(error(["flood", "--broker", "mqtt://h", "--count", "5", "--connections", "5"])?.contains("--connections") == true)
        #expect(FirmwareSimCLI.parse(["--help"]) == .success(.help))
        #expect(FirmwareSimCLI.parse(["run", "--help"]) == .success(.help))
    }

    @Test func badFlagsAreNamed() {
        let b = ["run", "--broker", "mqtt://h:1"]
        #expect(error(["run"])?.contains("--broker") == true)
        #expect(error(["run", "--broker", "http://h"])?.contains("--broker") == true)
        #expect(error(b + ["--stations", "0"])?.contains("--stations") == true)
        #expect(error(b + ["--stations", "ten"])?.contains("--stations") == true)
        #expect(error(b + ["--interval", "5q"])?.contains("--interval") == true)
        #expect(error(b + ["--interval", "1ms"])?.contains("--interval") == true)
        #expect(error(b + ["--seed", "-1"])?.contains("--seed") == true)
        #expect(error(b + ["--prefix", "a/#"])?.contains("--prefix") == true)
        #expect(error(b + ["--unmanned-share", "1.5"])?.contains("--unmanned-share") == true)
        #expect(error(b + ["--connections", "0"])?.contains("--connections") == true)
        #expect(error(b + ["--start", "yesterday"])?.contains("--start") == true)
        #expect(error(b + ["--frobnicate", "1"])?.contains("--frobnicate") == true)
        #expect(error(b + ["--stations", "1", "--stations", "2"])?.contains("twice") == true)
        #expect(error(b + ["--stations", "1", "--registry", "r"])?.contains("--registry") == true)
        #expect(error(b + ["--duration"])?.contains("--duration") == true)
        #expect(error(["registry", "--out", "x"])?.contains("--stations") == true)
        #expect(error(["fly"])?.contains("fly") == true)
        #expect(error([]) != nil)
    }

    @Test func durations() throws {
        #expect(try FirmwareSimCLI.millis("10s", flag: "f", min: 1) == 10_000)
        #expect(try FirmwareSimCLI.millis("250ms", flag: "f", min: 1) == 250)
        #expect(try FirmwareSimCLI.millis("2m", flag: "f", min: 1) == 120_000)
        #expect(try FirmwareSimCLI.millis("1h", flag: "f", min: 1) == 3_600_000)
        #expect(try FirmwareSimCLI.millis("0.5", flag: "f", min: 1) == 500)
    }
}
