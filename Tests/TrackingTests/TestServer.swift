import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real server of the tracking environment (`mlflow server`, `optuna-dashboard`) on a free
/// loopback port, logging to `directory`. Its processes run in a session of their own and are
/// stopped together.
final class TestServer: @unchecked Sendable {
    // @unchecked: `process` and `sessionID` are set by start() and cleared by stop(), which the
    // owning test calls in turn from one task; interrupt() (from any thread) only reads
    // `sessionID` between them.
    let directory: String
    let port: Int
    /// The command, given the port.
    private let command: @Sendable (Int) throws -> [String]
    /// What answers 200 once the server is up.
    private let healthPath: String
    private var process: Process?
    private var sessionID: Int32?

    var url: String { "http://127.0.0.1:\(port)" }

    init(directory: String, healthPath: String, command: @escaping @Sendable (Int) throws -> [String]) throws {
        self.directory = directory
        self.healthPath = healthPath
        self.command = command
        port = try freeLoopbackPort()
    }

    /// `mlflow server` with its backend store and artifacts in `directory` (a server stopped
    /// and started again keeps what it had).
    static func mlflow(directory: String) throws -> TestServer {
        try TestServer(directory: directory, healthPath: "/health") { port in
            let bin = (try trackingPython() as NSString).deletingLastPathComponent
            return [bin + "/mlflow", "server", "--host", "127.0.0.1", "--port", "\(port)", "--workers", "1",
                    "--backend-store-uri", "sqlite:///\(directory)/mlflow.db", "--artifacts-destination", "\(directory)/artifacts"]
        }
    }

    deinit { killSession(signal: SIGKILL) }

    /// Starts the server and waits until `/health` answers (it can take a minute on a busy
    /// machine; past `ceiling` the test fails instead of waiting on).
    func start(ceiling: Duration = .seconds(240)) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        // `setsid --wait` stays as our child while the server runs in a session of its own.
        process.arguments = ["--wait"] + (try command(port))
        let log = FileHandle(forWritingAtPath: logPath) ?? {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            return FileHandle(forWritingAtPath: logPath)
        }()
        log?.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + ceiling
        while ContinuousClock.now < deadline {
            if await healthy() {
                sessionID = session
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let tail = (try? String(contentsOfFile: logPath, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
        Issue.record("\(try command(port).first ?? "the server") did not answer \(healthPath) within \(ceiling): \(tail)")
        throw CancellationError()
    }

    /// Stops every process of the server (SIGTERM, then SIGKILL after 30 s) and waits until
    /// none is left. (Foundation's `waitUntilExit` is not used: it can hang on Linux when
    /// called from a concurrency thread.)
    func stop() async {
        guard process != nil else { return }
        killSession(signal: SIGTERM)
        for _ in 0..<600 where !sessionProcesses().isEmpty { try? await Task.sleep(for: .milliseconds(50)) }
        killSession(signal: SIGKILL)
        for _ in 0..<200 where !sessionProcesses().isEmpty { try? await Task.sleep(for: .milliseconds(50)) }
        process = nil
        sessionID = nil
    }

    /// Kills the server (SIGKILL, as a machine or process dies) without waiting (stop() waits).
    func interrupt() { killSession(signal: SIGKILL) }

    /// The server's session id: the pid of `setsid`'s child.
    private var session: Int32? {
        guard let process else { return nil }
        let pid = process.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { Int32($0) }
    }

    /// The live processes of the server's session.
    private func sessionProcesses() -> [Int32] {
        guard let session = sessionID ?? session else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name -> Int32? in
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After "(comm)": state, ppid, pgrp, session.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, fields[0] != "Z", Int32(fields[3]) == session else { return nil }
            return pid
        }
    }

    private func killSession(signal: Int32) {
        guard let session = sessionID ?? session else { return }
        kill(-session, signal)
    }

    var logPath: String { directory + "/server-\(port).log" }

    private func healthy() async -> Bool {
        guard let url = URL(string: url + healthPath) else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        return ((try? await URLSession.shared.data(for: request))?.1 as? HTTPURLResponse)?.statusCode == 200
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on now.
func freeLoopbackPort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw CancellationError() }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
            bind(socketFD, pointer, length) == 0 && getsockname(socketFD, pointer, &length) == 0
        }
    }
    guard bound else { throw CancellationError() }
    return Int(UInt16(bigEndian: address.sin_port))
}
