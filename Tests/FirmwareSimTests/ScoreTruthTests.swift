import Foundation
import Testing
@testable import FirmwareSimKit

/// Reading the ground-truth JSONL of GROUND-TRUTH.md; errors name the line.
@Suite struct ScoreTruthTests {
    private func error(_ text: String) -> String? {
        do {
            _ = try Scorer.parseTruth(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func parsesTheDocumentedExampleAndVariants() throws {
        let text = """
        {"id":"f-000017","station":"nm150100-0042","region":"150100","kind":"mains_cut",\
         "start":1763700000000,"end":1763703600000,"expect":["mains_lost"],"forbid":[],"note":"battery ran out at 1763702400000"}

        {"id":"f-000018","station":"nm150100-0043","region":"150100","kind":"reboot","start":1763700001000,"end":null,"expect":[],"forbid":["station_offline"]}\r
          \t
        {"id":"f-000019","station":"nm150100-0044","kind":"malformed","start":1763700002000,"expect_rejects":["malformed"],"future_member":{"x":1}}
        """
        let lines = try Scorer.parseTruth(text)
        #expect(lines.count == 3)
        #expect(lines[0] == Scorer.Truth(id: "f-000017", station: "nm150100-0042", region: "150100", kind: "mains_cut",
                                         start: 1_763_700_000_000, end: 1_763_703_600_000, expect: ["mains_lost"],
                                         forbid: [], expectRejects: [], note: "battery ran out at 1763702400000", line: 1))
        #expect(lines[1].line == 3 && lines[1].end == nil && lines[1].forbid == ["station_offline"] && lines[1].kind == "reboot")
        #expect(lines[2].line == 5)
        #expect(lines[2].end == nil && lines[2].region == nil && lines[2].expect == [])
        #expect(lines[2].expectRejects == ["malformed"] && lines[2].expectsSomething)
        #expect(try Scorer.parseTruth("").isEmpty)
        #expect(try Scorer.parseTruth("\n\n").isEmpty)
    }

    @Test func errorsNameTheLineAndTheMember() {
        let good = #"{"id":"a","station":"s","kind":"leak","start":1000,"end":2000,"expect":["leak"]}"#
        #expect(error(good + "\n{\"id\":") == "line 2: not valid JSON")
        #expect(error(good + "\n\n[1,2]") == "line 3: expected a JSON object")
        #expect(error(#"{"station":"s","kind":"leak","start":1}"#) == #"line 1: "id" is missing"#)
        #expect(error(#"{"id":"a","kind":"leak","start":1}"#) == #"line 1: "station" is missing"#)
        #expect(error(#"{"id":"a","station":"s","start":1}"#) == #"line 1: "kind" is missing"#)
        #expect(error(#"{"id":"a","station":"s","kind":"leak"}"#) == #"line 1: "start" is missing"#)
        #expect(error(#"{"id":"a","station":"s","kind":"leak","start":"1000"}"#)
                == #"line 1: "start": expected a whole number of milliseconds"#)
        #expect(error(#"{"id":"a","station":"s","kind":"leak","start":1000.5}"#)
                == #"line 1: "start": expected a whole number of milliseconds"#)
        #expect(error(#"{"id":"a","station":"s","kind":"leak","start":null}"#) == #"line 1: "start" is null"#)
        #expect(error(#"{"id":"a","station":"s","kind":"leak","start":1,"end":true}"#)?.hasPrefix(#"line 1: "end""#) == true)
        #expect(error(#"{"id":"a","station":"s","kind":"leak","start":1,"expect":"leak"}"#)
                == #"line 1: "expect": expected an array of strings"#)
        #expect(error(#"{"id":"a","station":"s","kind":"leak","start":1,"forbid":[1]}"#)?.hasPrefix(#"line 1: "forbid"#) == true)
        #expect(error(#"{"id":"a","station":"s","kind":"leak","start":2000,"end":1000}"#)
                == #"line 1: "end" (1000) is before "start" (2000)"#)
        #expect(error(#"{"id":"","station":"s","kind":"leak","start":1}"#) == #"line 1: "id" is empty"#)
        #expect(error(#"{"id":"a","station":"","kind":"leak","start":1}"#) == #"line 1: "station" is empty"#)
        #expect(error(#"{"id":"a","station":"s","kind":"leak","start":1,"expect_rejects":[""]}"#)
                == #"line 1: "expect_rejects" holds an empty name"#)
        #expect(error(good + "\n" + good.replacingOccurrences(of: "\"a\"", with: "\"b\"") + "\n" + good)
                == #"line 3: duplicate id "a" (first on line 1)"#)
    }

    @Test func readingAFileNamesTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("score-truth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("truth.jsonl").path
        try Data("{\"id\":\"a\",\"station\":\"s\",\"kind\":\"leak\",\"start\":1}\nnope\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ScoreError("truth file \(path), line 2: not valid JSON")) { try Scorer.readTruth(path: path) }
        let missing = dir.appendingPathComponent("missing.jsonl").path
        do {
            _ = try Scorer.readTruth(path: missing)
            Issue.record("a missing file must not read")
        } catch {
            #expect(error.description.hasPrefix("cannot read truth file \(missing)"))
        }
    }
}
