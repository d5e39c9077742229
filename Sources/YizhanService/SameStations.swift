import YizhanCore

/// Whether two station lists are the same registry: one array in O(1) (a cache that keeps the
/// old list alive means a new registry never reuses its storage), or else equal element by
/// element. Caches keyed on the registry ask it on every request, or every alert.
func sameStations(_ a: [Station], _ b: [Station]) -> Bool {
    let same = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in pa.baseAddress == pb.baseAddress } }
    return (same && a.count == b.count) || a == b
}
