import Foundation
import Logging
import PostgresNIO
import PostgresStudyStore
import Testing

@testable import StudyStore

/// A study-store implementation under test: how to name a fresh location and open it. The
/// contract suite runs every test once per backend in ``all``.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    let name: String
    private let makeLocation: @Sendable (String) async throws -> String
    private let opener: @Sendable (String, Bool) async throws -> any StudyStore

    /// Every backend the contract suite checks.
    static let all: [StoreBackend] = [.sqlite, .postgres]

    /// SQLite files in the test's scratch folder.
    static let sqlite = StoreBackend(name: "SQLite", makeLocation: { try temporaryDirectory() + "/\($0).db" },
                                     opener: { try SQLiteStudyStore(path: $0, readOnly: $1) })

    /// A new database on the PostgreSQL server of ``PostgresTestServer`` per location.
    static let postgres = StoreBackend(name: "PostgreSQL", makeLocation: { _ in try await PostgresTestServer.newDatabaseURL() },
                                       opener: { try await PostgresStudyStore(server: PostgresLocation(url: $0), readOnly: $1) })

    /// A location no store has used yet (`name` tells several apart within one test).
    func location(_ name: String = "s") async throws -> String { try await makeLocation(name) }

    /// Opens the store at `location` (creating it unless `readOnly`).
    func open(_ location: String, readOnly: Bool = false) async throws -> any StudyStore { try await opener(location, readOnly) }

    var testDescription: String { name }
}

/// The PostgreSQL server the tests use: `SMART_TUNER_POSTGRES_URL` (scripts/test.sh starts one
/// with scripts/postgres-server.sh and sets it, with the password in `PGPASSWORD`).
enum PostgresTestServer {
    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "SMART_TUNER_POSTGRES_URL is not set: run the tests with scripts/test.sh, or start a server with "
                + "scripts/postgres-server.sh start DIR and set SMART_TUNER_POSTGRES_URL and PGPASSWORD"
        }
    }

    /// The server's URL (its database is where new databases are made from).
    static func url() throws -> PostgresLocation {
        guard let text = ProcessInfo.processInfo.environment["SMART_TUNER_POSTGRES_URL"], !text.isEmpty else { throw Missing() }
        return try PostgresLocation(url: text)
    }

    /// A URL of a new, empty database on the server.
    static func newDatabaseURL() async throws -> String {
        let server = try url()
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
