import Testing
import YizhanService

@Suite struct FlagsTests {
    let accepted: Set<String> = ["db", "http", "broker"]

    private func problem(_ args: [String], switches: Set<String> = []) -> String? {
        do {
            _ = try Flags(args, accepted: accepted, switches: switches)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func valuesInBothForms() throws {
        let flags = try Flags(["--db", "a.db", "--http=127.0.0.1:9000", "--broker=mqtt://h:1883"], accepted: accepted)
        #expect(flags.values == ["db": "a.db", "http": "127.0.0.1:9000", "broker": "mqtt://h:1883"])
        #expect(flags["db"] == "a.db")
        #expect(flags["missing"] == nil)
        #expect(flags.positional.isEmpty)
    }

    @Test func aValueMayContainEqualsSignsAndStartWithOneDash() throws {
        let flags = try Flags(["--db=a=b.db", "--http", "-1"], accepted: accepted)
        #expect(flags["db"] == "a=b.db")
        #expect(flags["http"] == "-1")
    }

    @Test func theLastOfARepeatedFlagWins() throws {
        let flags = try Flags(["--db", "one.db", "--db=two.db"], accepted: accepted)
        #expect(flags["db"] == "two.db")
    }

    @Test func switchesTakeNoValue() throws {
        let flags = try Flags(["--verbose", "--db", "x.db"], accepted: accepted, switches: ["verbose"])
        #expect(flags.values == ["verbose": "true", "db": "x.db"])
        #expect(problem(["--verbose=yes"], switches: ["verbose"]) == "--verbose takes no value")
        // A switch does not swallow the next argument.
        let next = try Flags(["--verbose", "file"], accepted: accepted, switches: ["verbose"])
        #expect(next.positional == ["file"])
    }

    @Test func positionalArgumentsAreKeptInOrder() throws {
        let flags = try Flags(["first", "--db", "x.db", "second", "-"], accepted: accepted)
        #expect(flags.positional == ["first", "second", "-"])
        #expect(flags["db"] == "x.db")
    }

    @Test func unknownFlagsAreNamed() throws {
        let long = try #require(problem(["--dbb", "x"]))
        #expect(long.hasPrefix("unknown flag --dbb"))
        #expect(long.contains("--broker --db --http"))   // and the accepted ones listed
        #expect(problem(["--db=x", "--nope=1"])?.hasPrefix("unknown flag --nope") == true)
        #expect(problem(["-d", "x"]) == "unknown flag -d")
        #expect(problem(["-db"]) == "unknown flag -db")
    }

    @Test func missingValuesAreNamed() {
        #expect(problem(["--db"]) == "--db needs a value")
        #expect(problem(["--db", "--http", "h:1"]) == "--db needs a value")
        #expect(problem(["--http", "1.2.3.4:5", "--broker"]) == "--broker needs a value")
        #expect(problem(["--db="]) == "--db needs a non-empty value")
        #expect(problem(["--db", ""]) == "--db needs a non-empty value")
    }
}
