import Foundation
import Testing
import YizhanProcess

/// Bad flags and config files get a message naming what is wrong and a non-zero exit.
@Suite struct CommandLineTests {
    func run(_ args: [String], in scratch: Scratch) throws -> (code: Int32, output: String) {
        let out = scratch.path("out-\(UUID().uuidString).txt")
        let p = try ChildProcess(executable: Products.yizhan, arguments: args, stdoutPath: out, stderrPath: out)
        let status = p.waitForExit(timeout: 30) ?? -1
        return (ChildProcess.exitCode(status), (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    @Test func checkConfigAcceptsAGoodSetup() throws {
        let s = try Scratch()
        try writeRegistry(s.path("st.json5"), stations: [("a-1", "150100", true), ("b-2", "150200", false)])
        try "{ http: \"127.0.0.1:9999\", // comment\n broker: \"mqtt://127.0.0.1:1883\", }\n".write(toFile: s.path("y.json5"), atomically: true, encoding: .utf8)
        let r = try run(["check-config", "--config", s.path("y.json5"), "--stations", s.path("st.json5")], in: s)
        #expect(r.code == 0, "\(r.output)")
        #expect(r.output.contains("2 stations (1 unmanned) in 2 regions"))
    }

    @Test func unknownFlagIsNamed() throws {
        let s = try Scratch()
        let r = try run(["serve", "--brokr", "mqtt://x"], in: s)
        #expect(r.code == 2)
        #expect(r.output.contains("--brokr"))
        let missing = try run(["check-config", "--db"], in: s)
        #expect(missing.code == 2)
        #expect(missing.output.contains("--db needs a value"))
        let badBroker = try run(["check-config", "--broker", "tcp://x:1"], in: s)
        #expect(badBroker.code == 2)
        #expect(badBroker.output.contains("broker"))
    }

    @Test func badConfigFileNamesFileAndLine() throws {
        let s = try Scratch()
        try "{\n  http: \"127.0.0.1:8080\",\n  retention_dayz: 30,\n}\n".write(toFile: s.path("y.json5"), atomically: true, encoding: .utf8)
        let r = try run(["check-config", "--config", s.path("y.json5")], in: s)
        #expect(r.code != 0)
        #expect(r.output.contains("y.json5:3"), "\(r.output)")
        #expect(r.output.contains("retention_dayz"))

        try "{\n  batch_max_delay: \"soon\",\n}\n".write(toFile: s.path("z.json5"), atomically: true, encoding: .utf8)
        let d = try run(["check-config", "--config", s.path("z.json5")], in: s)
        #expect(d.code != 0)
        #expect(d.output.contains("z.json5:2"), "\(d.output)")
        #expect(d.output.contains("batch_max_delay"))
    }

    @Test func configSyntaxErrorAndInvalidUTF8AreReportedNotCrashedOn() throws {
        let s = try Scratch()
        try "{\n  http: \"127.0.0.1:8080\",\n  db: \"x.db\" oops\n}\n".write(toFile: s.path("y.json5"), atomically: true, encoding: .utf8)
        let r = try run(["check-config", "--config", s.path("y.json5")], in: s)
        #expect(r.code == 1)
        #expect(r.output.contains("y.json5:3"), "\(r.output)")

        // Foundation's JSON5 scanner traps on invalid UTF-8 in an unquoted key; we must refuse it first.
        var bytes = Array("{\n  ht".utf8)
        bytes += [0xC3, 0x28]
        bytes += Array("tp: 1,\n}\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: s.path("u.json5")))
        let u = try run(["serve", "--config", s.path("u.json5")], in: s)
        #expect(u.code == 1)
        #expect(u.output.contains("u.json5:2"), "\(u.output)")
        #expect(u.output.contains("UTF-8"))
    }

    @Test func badRegistryNamesTheStation() throws {
        let s = try Scratch()
        try "{stations: [\n {id: \"ok-1\", name: \"甲\", region: \"150100\", lat: 40, lon: 111, unmanned: true},\n {id: \"bad-2\", name: \"乙\", region: \"1501\", lat: 40, lon: 111, unmanned: false},\n]}\n"
            .write(toFile: s.path("st.json5"), atomically: true, encoding: .utf8)
        try "{}".write(toFile: s.path("y.json5"), atomically: true, encoding: .utf8)
        let r = try run(["check-config", "--config", s.path("y.json5"), "--stations", s.path("st.json5")], in: s)
        #expect(r.code == 1)
        #expect(r.output.contains("st.json5:3"), "\(r.output)")
        #expect(r.output.contains("bad-2"))
    }
}
