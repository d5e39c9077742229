import Foundation

/// Discs of one radius in a plane: the area covered at least once and at least twice, and
/// whether one disc is covered by the others. Exact up to floating point (no sampling).
///
/// Areas come from Green's theorem over circle arcs: split each circle where the others cross
/// it; an arc of circle `i` covered by `c` other discs separates depth `c` (outside `i`) from
/// depth `c + 1` (inside), so the arcs with `c = k − 1`, taken counter-clockwise, bound the
/// region covered at least `k` times, and ½∮(x dy − y dx) over them is its area. Discs with the
/// same centre are ordered by index: the later one counts the earlier as covering it all.
public struct DiscArrangement: Sendable {
    public let centres: [PlanePoint]
    public let radius: Double
    /// Centres closer than this are the same place.
    static let sameCentre = 1e-6
    /// Uncovered arcs shorter than this angle are rounding, not a gap (1e-9 rad of 1 km: 1 µm).
    static let angleSlack = 1e-9

    public init(centres: [PlanePoint], radius: Double) {
        precondition(radius > 0, "radius must be positive")
        self.centres = centres
        self.radius = radius
    }

    /// Area covered by at least one and by at least two discs, m² (for metres).
    /// `neighbours(i)`: a superset of the discs within 2 × radius of disc `i` (it may include `i`).
    public func levelAreas(neighbours: (Int) -> [Int]) -> (once: Double, twice: Double) {
        var once = 0.0, twice = 0.0
        for i in centres.indices {
            sweep(i, neighbours(i)) { depth, a, b in
                if depth == 0 { once += arcTerm(i, a, b) } else if depth == 1 { twice += arcTerm(i, a, b) }
            }
        }
        return (once, twice)
    }

    /// `levelAreas` with every pair of discs considered (small sets and tests).
    public func levelAreas() -> (once: Double, twice: Double) {
        let all = Array(centres.indices)
        return levelAreas { _ in all }
    }

    /// Area of the union of the discs `subset`.
    public func unionArea(_ subset: [Int]) -> Double {
        var once = 0.0
        for i in subset {
            sweep(i, subset) { depth, a, b in if depth == 0 { once += arcTerm(i, a, b) } }
        }
        return once
    }

    /// Whether disc `i` lies inside the union of the discs `others`, up to slivers narrower than
    /// `slack` × radius.
    ///
    /// A part of the disc left uncovered either reaches its circle — then some arc of the circle
    /// is uncovered — or is bounded by arcs of other circles; then it has a corner where two of
    /// them cross, inside the disc or on its edge, and just next to that corner (on the side
    /// outside both) lies a point of the disc no other disc covers. Corners get probed there.
    public func isCovered(_ i: Int, by others: [Int], slack: Double = 1e-4) -> Bool {
        let c = centres[i]
        let others = others.filter { $0 != i && centres[$0].distance(to: c) < 2 * radius }
        if others.contains(where: { centres[$0].distance(to: c) < Self.sameCentre }) { return true }
        if coveredCellByCell(i, others) { return true }
        var gap = false
        sweep(i, others) { depth, a, b in if depth == 0 && b - a > Self.angleSlack { gap = true } }
        if gap { return false }
        // Nearest first: the disc that covers a corner is usually close to the covered disc.
        let ordered = others.sorted { centres[$0].distance(to: c) < centres[$1].distance(to: c) }
        let delta = slack * radius
        func uncovered(_ q: PlanePoint) -> Bool {
            guard q.distance(to: c) < radius else { return false }
            return !ordered.contains { centres[$0].distance(to: q) < radius }
        }
        for (a, j) in ordered.enumerated() {
            for k in ordered[(a + 1)...] {
                for p in crossings(j, k) where p.distance(to: c) < radius + delta {
                    // Well inside a third disc: nothing next to this corner is open.
                    if ordered.contains(where: { $0 != j && $0 != k && centres[$0].distance(to: p) < radius - 2 * delta }) { continue }
                    for step in 0..<Self.probes {
                        let t = Double(step) * 2 * Double.pi / Double(Self.probes)
                        if uncovered(PlanePoint(x: p.x + delta * cos(t), y: p.y + delta * sin(t))) { return false }
                    }
                }
            }
        }
        return true
    }

    /// A quick sufficient test, for the dense city centres where the exact one is slowest: lay a
    /// grid of square cells over the disc; when every cell that touches the disc lies wholly
    /// inside one other disc (its centre within r − half its diagonal), the disc is covered.
    /// False says nothing: the exact test decides.
    func coveredCellByCell(_ i: Int, _ others: [Int], cells: Int = 12) -> Bool {
        let c = centres[i]
        guard others.count >= 3 else { return false }
        let h = 2 * radius / Double(cells), halfDiagonal = h * 0.5 * 2.0.squareRoot()
        let reach = radius - halfDiagonal
        var last = others[0]
        for a in 0..<cells {
            for b in 0..<cells {
                let q = PlanePoint(x: c.x - radius + (Double(a) + 0.5) * h, y: c.y - radius + (Double(b) + 0.5) * h)
                guard q.distance(to: c) < radius + halfDiagonal else { continue }
                if centres[last].distance(to: q) <= reach { continue }
                guard let m = others.first(where: { centres[$0].distance(to: q) <= reach }) else { return false }
                last = m
            }
        }
        return true
    }

    /// Directions probed around a corner: the open wedge there is as wide as the angle the two
    /// circles cross at, so this misses only corners where they almost touch.
    static let probes = 48

    /// The points where circles `j` and `k` cross (none when they do not, or share a centre).
    func crossings(_ j: Int, _ k: Int) -> [PlanePoint] {
        let a = centres[j], b = centres[k]
        let dx = b.x - a.x, dy = b.y - a.y
        let d = (dx * dx + dy * dy).squareRoot()
        guard d > Self.sameCentre, d < 2 * radius else { return [] }
        let h = (radius * radius - d * d / 4).squareRoot()
        let mx = a.x + dx / 2, my = a.y + dy / 2
        let ux = -dy / d, uy = dx / d
        return [PlanePoint(x: mx + h * ux, y: my + h * uy), PlanePoint(x: mx - h * ux, y: my - h * uy)]
    }

    /// Walks circle `i` once counter-clockwise from angle 0, calling `arc(depth, from, to)` for
    /// each stretch with the number of discs among `others` covering it.
    func sweep(_ i: Int, _ others: [Int], _ arc: (Int, Double, Double) -> Void) {
        let c = centres[i]
        let twoPi = 2 * Double.pi
        var depth = 0
        var events: [(angle: Double, delta: Int)] = []
        for j in others where j != i {
            let o = centres[j]
            let dx = o.x - c.x, dy = o.y - c.y
            let d = (dx * dx + dy * dy).squareRoot()
            if d < Self.sameCentre {
                if j < i { depth += 1 }
                continue
            }
            guard d < 2 * radius else { continue }
            let half = acos(min(1, d / (2 * radius)))
            var start = atan2(dy, dx) - half
            if start < 0 { start += twoPi }
            if start >= twoPi { start -= twoPi }
            let end = start + 2 * half
            if end > twoPi {
                depth += 1
                events.append((end - twoPi, -1))
                events.append((start, 1))
            } else {
                events.append((start, 1))
                events.append((end, -1))
            }
        }
        events.sort { $0.angle != $1.angle ? $0.angle < $1.angle : $0.delta > $1.delta }
        var at = 0.0
        for e in events {
            if e.angle > at { arc(depth, at, e.angle) }
            at = max(at, e.angle)
            depth += e.delta
        }
        if at < twoPi { arc(depth, at, twoPi) }
    }

    /// ½∫(x dy − y dx) along circle `i` from angle `a` to `b`.
    func arcTerm(_ i: Int, _ a: Double, _ b: Double) -> Double {
        let c = centres[i], r = radius
        return 0.5 * (r * r * (b - a) + r * c.x * (sin(b) - sin(a)) - r * c.y * (cos(b) - cos(a)))
    }
}
