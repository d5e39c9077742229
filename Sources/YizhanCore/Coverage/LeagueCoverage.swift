/// One league's walking-circle coverage (步行15分钟服务圈): every station serves the disc of the
/// walking radius around it.
public struct LeagueCoverage: Sendable, Equatable {
    public var region: String
    public var stations: Int
    /// Area within the radius of at least one station, m².
    public var coveredM2: Double
    /// Area within the radius of two stations or more (交叉覆盖), m².
    public var overlapM2: Double
    /// Stations whose outage leaves part of their circle uncovered, largest hole first (then by id).
    public var soleProviders: [SoleProvider]

    public init(region: String, stations: Int, coveredM2: Double, overlapM2: Double, soleProviders: [SoleProvider]) {
        self.region = region
        self.stations = stations
        self.coveredM2 = coveredM2
        self.overlapM2 = overlapM2
        self.soleProviders = soleProviders
    }

    /// 100 × overlap ÷ covered; nil for a league with no station.
    public var overlapSharePct: Double? { coveredM2 > 0 ? 100 * overlapM2 / coveredM2 : nil }
}

/// A station no other station of its league backs up everywhere.
public struct SoleProvider: Sendable, Equatable {
    public var id: String
    /// The area only it covers: the hole its outage leaves, m².
    public var uncoveredM2: Double

    public init(id: String, uncoveredM2: Double) {
        self.id = id
        self.uncoveredM2 = uncoveredM2
    }
}

/// What a station that is down leaves behind: the part of its circle no working station covers,
/// the working stations whose circles bound that hole, and where to send people instead.
public struct CoverageHole: Sendable, Equatable {
    public var site: Int
    /// 0 when the working stations around it cover its whole circle.
    public var uncoveredM2: Double
    /// Working sites within twice the radius (their circles may cut into the hole), by index.
    public var borders: [Int]
    /// The nearest working site and its distance, nil when no site works.
    public var alternative: (index: Int, metres: Double)?

    public init(site: Int, uncoveredM2: Double, borders: [Int], alternative: (index: Int, metres: Double)?) {
        self.site = site
        self.uncoveredM2 = uncoveredM2
        self.borders = borders
        self.alternative = alternative
    }

    public static func == (a: CoverageHole, b: CoverageHole) -> Bool {
        a.site == b.site && a.uncoveredM2 == b.uncoveredM2 && a.borders == b.borders
            && a.alternative?.index == b.alternative?.index && a.alternative?.metres == b.alternative?.metres
    }
}
