import Foundation
import Logging
import PostgresNIO
import StudyStore
import Subprocess

/// The PostgreSQL server the tests share: `SMART_TUNER_POSTGRES_URL` (scripts/test.sh starts one
/// with scripts/postgres-server.sh and sets it, with the password in `PGPASSWORD`). Each test
/// that needs an empty store gets a database of its own.
public enum PostgresTestServer {
    /// The variable is not set.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "SMART_TUNER_POSTGRES_URL is not set: run the tests with scripts/test.sh, or start a server with "
                + "scripts/postgres-server.sh start DIR and set SMART_TUNER_POSTGRES_URL and PGPASSWORD"
        }
    }

    /// The shared server (its database is where new databases are made from).
    public static func url() throws -> PostgresLocation {
        guard let text = ProcessInfo.processInfo.environment["SMART_TUNER_POSTGRES_URL"], !text.isEmpty else { throw Missing() }
        return try PostgresLocation(url: text)
    }

    /// The URL of a new, empty database on the shared server (or on `server`).
    public static func newDatabaseURL(on server: PostgresLocation? = nil) async throws -> String {
        let server = try server ?? url()
        let name = "st_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let logger = Logger(label: "test.postgres")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: server.host, port: server.port, username: server.user, password: server.password(),
                                 database: server.database, tls: .disable),
            id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return "postgresql://\(server.user)@\(server.host):\(server.port)/\(name)"
    }
}

/// A PostgreSQL server of a test's own (scripts/postgres-server.sh on a free loopback port, in a
/// folder of the test's), for tests that stop and start it.
public struct PrivatePostgres: Sendable {
    /// Its folder.
    public let directory: String
    /// Its port.
    public let port: Int
    /// `postgresql://smarttuner@127.0.0.1:PORT/smarttuner` (password `smarttuner`).
    public let url: String

    /// The repository's folder.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Makes and starts a server in `directory`.
    public static func start(in directory: String) async throws -> PrivatePostgres {
        let port = try await freePort()
        let url = try await script(["start", directory, String(port)])
        return PrivatePostgres(directory: directory, port: port, url: url)
    }

    /// Starts it again (after ``stop(immediately:)``).
    public func start() async throws { _ = try await Self.script(["start", directory, String(port)]) }

    /// Stops it: at once (`immediately`, every connection cut, as when its host dies) or after its sessions end.
    public func stop(immediately: Bool = true) async throws {
        _ = try await Self.shell("runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D '\(directory)/data' -m \(immediately ? "immediate" : "fast") -w stop")
    }

    /// The answer of `sql` by psql (unaligned, no headers), trimmed.
    public func psql(_ sql: String) async throws -> String {
        try await Self.shell("PGPASSWORD=smarttuner psql -h 127.0.0.1 -p \(port) -U smarttuner -d smarttuner -tAc \"\(sql)\"")
    }

    /// Freezes every process of the server (`SIGSTOP`): connections stay open and nothing
    /// answers, as when its host hangs or a link is cut without a reset.
    public func pause() async throws { try await signalAll("STOP") }

    /// Lets the server go on after ``pause()``.
    public func resume() async throws { try await signalAll("CONT") }

    private func signalAll(_ signal: String) async throws {
        _ = try await Self.shell("""
            main=$(head -1 '\(directory)/data/postmaster.pid') && kill -\(signal) $main $(pgrep -P $main)
            """)
    }

    static func script(_ arguments: [String]) async throws -> String {
        try await shell(([PrivatePostgres.repository + "/scripts/postgres-server.sh"] + arguments).map { "'\($0)'" }.joined(separator: " "))
    }

    /// Runs `command` with bash; its standard output, trimmed.
    /// - Throws: ``Failed`` with its standard error when it exits non-zero.
    public static func shell(_ command: String) async throws -> String {
        let result = try await Subprocess.run(.path("/bin/bash"), arguments: ["-c", command], output: .string(limit: 1 << 24),
                                              error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else {
            throw Failed(command: command, status: "\(result.terminationStatus)", error: result.standardError)
        }
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A command that failed.
    public struct Failed: Error, CustomStringConvertible {
        public let command: String, status: String, error: String
        public init(command: String, status: String, error: String) {
            self.command = command
            self.status = status
            self.error = error
        }
        public var description: String { "\(command) ended with \(status): \(error.suffix(2_000))" }
    }

    /// A loopback port nothing listens on now.
    static func freePort() async throws -> Int {
        Int(try await shell("python3 -c 'import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])'")) ?? 0
    }
}
