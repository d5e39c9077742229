import Foundation
import Testing
import YizhanProcess

/// A service on a scenario's clock file, as `firmware-sim history` needs it: its own mosquitto,
/// the clock set to the scenario's start and the registry written (`history --init`), then the
/// service started on that clock with the scenario's rules.
struct HistoryHarness {
    let broker: MosquittoBroker
    let scratch: Scratch
    let clock: String
    let service: ServiceUnderTest
    let scenario: String

    init(scenario: String, rules: String, clientID: String) throws {
        broker = try MosquittoBroker()
        scratch = try Scratch()
        clock = scratch.path("clock")
        self.scenario = scenario
        service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url, clientID: clientID,
                                   extraArgs: ["--rules", rules, "--clock", "file:\(clock)"])
        let initOut = scratch.path("init.txt")
        let initSim = try ChildProcess(executable: Products.firmwareSim,
                                       arguments: ["history", "--scenario", scenario, "--clock-file", clock, "--init",
                                                   "--write-registry", service.stations],
                                       stdoutPath: initOut, stderrPath: initOut)
        let initStatus = initSim.waitForExit(timeout: 30)
        #expect(initStatus.map(ChildProcess.exitCode) == 0, "\(HistoryHarness.text(initOut))")
        do {
            try service.start()
        } catch {
            broker.stop()
            throw error
        }
    }

    /// `firmware-sim history` against the service, writing its truth to `truth`.
    func history(truth: String, output: String) throws -> ChildProcess {
        try ChildProcess(executable: Products.firmwareSim,
                         arguments: ["history", "--scenario", scenario, "--clock-file", clock,
                                     "--broker", broker.url, "--service", "http://127.0.0.1:\(service.httpPort)",
                                     "--truth-report", truth, "--progress", "10s"],
                         stdoutPath: output, stderrPath: output)
    }

    func stop() {
        service.stop()
        broker.stop()
    }

    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}
