import Testing
import YizhanCore

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

    /// The typed readers the benchmarks use: absent gives the default, a bad or out-of-range
    /// value names the flag, the range and what was given.
    @Test func numbersAndCountsAreCheckedWithTheirRange() throws {
        let f = try Flags(["--runs", "7", "--radius=250.5", "--stations", "3000,186000"], accepted: ["runs", "radius", "stations", "n"])
        #expect(try f.int("runs", in: 1...50, default: 3) == 7)
        #expect(try f.int("n", in: 1...50, default: 3) == 3)
        #expect(try f.double("radius", in: 50...20_000, default: 1_000) == 250.5)
        #expect(try f.counts("stations", default: [1]) == [3_000, 186_000])
        func message(_ args: [String], _ read: (Flags) throws -> Void) -> String? {
            do { try read(try Flags(args, accepted: ["runs", "radius", "stations"])); return nil } catch { return "\(error)" }
        }
        #expect(message(["--runs", "0"]) { _ = try $0.int("runs", in: 1...50, default: 3) } == "--runs takes a whole number from 1 to 50, got 0")
        #expect(message(["--runs", "x"]) { _ = try $0.int("runs", in: 1...50, default: 3) } == "--runs takes a whole number from 1 to 50, got x")
        #expect(message(["--radius", "1e9"]) { _ = try $0.double("radius", in: 50...20_000, default: 1) }?.hasPrefix("--radius takes a number from 50.0 to 20000.0") == true)
        for bad in ["3000,", "0", "a,1", ",", "3000,-1"] {
            #expect(message(["--stations", bad]) { _ = try $0.counts("stations", default: [1]) } == "--stations takes counts such as 3000,186000, got \(bad)", "\(bad)")
        }
        #expect(problem(["stray"]) == nil)
        #expect(throws: Flags.Problem(description: "unexpected argument stray")) { try Flags(["stray"], accepted: [], positional: false) }
    }
}
