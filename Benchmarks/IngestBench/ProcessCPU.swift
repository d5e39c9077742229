import Foundation

/// CPU time (user + system, all threads) of processes over one stretch of a round, from
/// /proc/PID/stat: what each of broker, publisher and service spends per message explains the
/// ratio (the service's share of two shared cores is what the publisher and broker lose).
struct ProcessCPU {
    private let pids: [Int32]
    private let start: [Double]

    init(_ pids: [Int32]) {
        self.pids = pids
        start = pids.map { Self.seconds($0) ?? .nan }
    }

    /// Microseconds of CPU per message since `init`, in the order of the pids.
    func perMessage(_ messages: Int) -> [Double] {
        zip(pids, start).map { pid, s in ((Self.seconds(pid) ?? .nan) - s) * 1e6 / Double(messages) }
    }

    static func seconds(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // proc(5): after "pid (comm)", field 3 (state) is index 0, utime (14) index 11, stime (15) index 12.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
