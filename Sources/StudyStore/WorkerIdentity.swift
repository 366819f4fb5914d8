import Foundation

/// Who is working on a trial: host, process and the process's start time, so a worker on the
/// same host can tell at once whether the owner of a RUNNING trial is dead (even if its pid was
/// reused); workers on other hosts rely on the heartbeat.
public struct WorkerIdentity: Sendable, Hashable {
    /// The host name.
    public let host: String
    /// The process id.
    public let pid: Int32
    /// The process's start time (clock ticks since boot, from /proc), or empty if unknown.
    public let processStart: String

    /// Creates an identity.
    public init(host: String, pid: Int32, processStart: String) {
        self.host = host
        self.pid = pid
        self.processStart = processStart
    }

    /// This process.
    public static var current: WorkerIdentity {
        let pid = ProcessInfo.processInfo.processIdentifier
        return WorkerIdentity(host: ProcessInfo.processInfo.hostName, pid: pid, processStart: startTime(of: pid) ?? "")
    }

    /// A label such as `host:1234`.
    public var label: String { "\(host):\(pid)" }

    /// Whether process `pid`, started at `start`, still runs on this host.
    package static func isAlive(pid: Int32, start: String) -> Bool {
        guard pid > 0, let now = startTime(of: pid) else { return false }
        return start.isEmpty || now == start
    }

    /// Field 22 of /proc/PID/stat (start time in clock ticks since boot).
    static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces) start at field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        // A zombie has exited: it is not working on anything.
        if fields[0] == "Z" { return nil }
        return String(fields[19])
    }
}
