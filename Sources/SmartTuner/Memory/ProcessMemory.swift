import Foundation

/// Memory figures read from Linux's /proc, in MiB.
public enum ProcessMemory {
    /// The resident set size of process `pid` (this process by default), or `nil` if it is gone.
    public static func residentMiB(pid: Int32? = nil) -> Double? {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        return field("VmRSS:", in: path)
    }

    /// Memory available for new work (MemAvailable), or `nil` where /proc/meminfo has none.
    public static func availableMiB() -> Double? { field("MemAvailable:", in: "/proc/meminfo") }

    /// Total memory (MemTotal).
    public static func totalMiB() -> Double? { field("MemTotal:", in: "/proc/meminfo") }

    /// A "Name:   1234 kB" field of a /proc file, in MiB.
    static func field(_ name: String, in path: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let parts = line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let value = parts.first.flatMap({ Double($0) }) else { return nil }
            return parts.count > 1 && parts[1] == "kB" ? value / 1_024 : value / 1_048_576
        }
        return nil
    }
}
