import Foundation
import Logging
import Optimization
import PostgresNIO
import StudyStore
import Synchronization

/// The durable state of studies in a PostgreSQL database (DESIGN §7), for many machines on one
/// study: Optuna's RDB schema as Optuna makes it on PostgreSQL, SmartTuner's tables beside it,
/// one transaction per state transition, trial claiming with `SELECT … FOR UPDATE SKIP LOCKED`
/// (workers never wait for each other's locks), heartbeats and take-over as on SQLite.
///
/// It talks to the server through postgres-nio's connection pool (`PostgresClient`), which this
/// store runs for as long as it lives: the pool is not tied to a service group's graceful
/// shutdown, because a study that stops on Ctrl-C still records its trials' last checkpoints.
/// A server that cannot be reached, or does not answer within ``PostgresCallDeadlines``, makes
/// calls throw ``StudyStoreError/unavailable(location:reason:)``, and the next call connects
/// afresh (``RenewingConnectionPool``).
public final class PostgresStudyStore: StudyStore {
    /// Where the store is: ``StoreLocation/postgres(_:)``.
    public var location: StoreLocation { .postgres(server) }
    /// The server.
    public let server: PostgresLocation
    /// Whether this store never writes.
    public let readOnly: Bool
    /// The newest SmartTuner schema this version of the PostgreSQL store understands.
    public static let schemaVersion = PostgresSchema.migrations.count
    /// SmartTuner's schema version in this database (0: only Optuna has used it, opened read-only:
    /// its studies read without SmartTuner's records).
    let schemaVersion: Int
    /// Whether SmartTuner's tables are here.
    var hasSmartTunerTables: Bool { schemaVersion > 0 }

    /// `smarttuner_studies`, or where only Optuna has been, an empty stand-in with its columns.
    var studiesTable: String {
        hasSmartTunerTables ? "smarttuner_studies" : """
            (SELECT NULL::int AS study_id, NULL::text AS space_json, NULL::bigint AS seed, NULL::int AS target_trials,
                    NULL::text AS configuration_json WHERE false)
            """
    }

    /// `smarttuner_trials`, or where only Optuna has been, an empty stand-in with its columns.
    var trialsTable: String {
        hasSmartTunerTables ? "smarttuner_trials" : """
            (SELECT NULL::int AS trial_id, NULL::int AS generation, NULL::text AS worker, NULL::int AS interruptions, NULL::int AS last_step,
                    NULL::text AS hyperparameters_json, NULL::text AS outcome, NULL::text AS summary_json, NULL::bool AS external,
                    NULL::text AS quality_json, NULL::bigint AS revision WHERE false)
            """
    }

    /// The connection pool, replaced when the server cannot be reached (see ``RenewingConnectionPool``).
    let connections: RenewingConnectionPool
    let logger: Logger
    /// Trials by row id and revision, per study: a read loads only the trials whose revision changed.
    let cache = Mutex<[Int64: [Int64: CachedTrial]]>([:])

    /// Connects to `server`, then checks (and unless `readOnly`, creates or migrates) its tables.
    /// - Parameters:
    ///   - maximumConnections: the pool's size (one store per process; a worker's calls are few).
    ///   - deadlines: how long a call may wait for the server before it fails as unavailable
    ///     (``PostgresCallDeadlines/standard(for:)`` when nil); measured on `clock`.
    /// - Throws: ``StudyStoreError/unavailable(location:reason:)`` when the server cannot be
    ///   reached; ``StudyStoreError/foreignDatabase(path:reason:)`` for a database whose Optuna
    ///   tables are incomplete or of another revision; ``StudyStoreError/newerSchema(path:found:supported:)``.
    public init(server: PostgresLocation, readOnly: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment,
                maximumConnections: Int = 4, deadlines: PostgresCallDeadlines? = nil, clock: any Clock<Duration> = ContinuousClock(),
                logger: Logger = Logger(label: "smart-tuner.postgres")) async throws {
        self.server = server
        self.readOnly = readOnly
        self.logger = logger
        // One direct connection first: a wrong password, a refused TLS or an unreachable server is
        // said at once, in the server's words, rather than after the pool's minute of retries.
        // The tables are checked (and made or migrated) on it.
        do {
            let first = try await PostgresConnection.connect(
                configuration: try PostgresClientSettings.probe(server, environment: environment), id: 0, logger: logger)
            do {
                schemaVersion = try await Self.prepare(first, server: server, readOnly: readOnly, logger: logger)
            } catch {
                try? await first.close()
                throw error
            }
            try await first.close()
        } catch {
            throw PostgresFailure.studyStoreError(error, location: server)
        }
        let deadlines = deadlines ?? .standard(for: server)
        let configuration = try PostgresClientSettings.configuration(server, environment: environment, maximumConnections: maximumConnections,
                                                                     deadlines: deadlines)
        // The pool says "connection creation failed" at info level on every attempt; the store
        // says once that the server is unavailable (the recorder's warning), so the pool's
        // messages show only when debugging.
        let poolLogger = { var quieter = logger; quieter.logLevel = max(logger.logLevel, .notice); return quieter }()
        connections = RenewingConnectionPool(server: server, deadlines: deadlines, clock: clock, logger: logger) {
            PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        }
    }

    /// Checks the database's tables; unless read-only, creates Optuna's and migrates SmartTuner's,
    /// in one transaction. Returns SmartTuner's schema version there (0: a database only Optuna
    /// has used, opened read-only).
    private static func prepare(_ connection: PostgresConnection, server: PostgresLocation, readOnly: Bool, logger: Logger) async throws -> Int {
        try await connection.query("BEGIN", logger: logger)
        do {
            let version = try await migrate(connection, server: server, readOnly: readOnly, logger: logger)
            try await connection.query("COMMIT", logger: logger)
            return version
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    private static func migrate(_ connection: PostgresConnection, server: PostgresLocation, readOnly: Bool, logger: Logger) async throws -> Int {
        do {
            if !readOnly {
                try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
            }
            let tables = Set(try await connection.all("""
                SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()
                """, logger: logger) { try $0.decode(String.self) })
            let hasOptuna = !tables.isDisjoint(with: PostgresSchema.optunaTables)
            let name = server.description
            if hasOptuna {
                let missing = PostgresSchema.optunaTables.subtracting(tables)
                guard missing.isEmpty else {
                    throw StudyStoreError.foreignDatabase(path: name, reason: "Optuna tables are missing: \(missing.sorted().joined(separator: ", "))")
                }
                let revision = try await connection.all("SELECT version_num::text FROM alembic_version", logger: logger) { try $0.decode(String.self) }.first
                guard revision == PostgresSchema.optunaAlembicRevision else {
                    throw StudyStoreError.foreignDatabase(path: name, reason: "its Optuna schema revision is \(revision ?? "unknown"), this version reads \(PostgresSchema.optunaAlembicRevision)")
                }
            } else if readOnly {
                throw StudyStoreError.foreignDatabase(path: name, reason: "it has no study tables")
            }
            var version = tables.contains("smarttuner_schema")
                ? try await connection.all("SELECT version FROM smarttuner_schema", logger: logger) { try $0.decode(Int.self) }.first ?? 0 : 0
            if version > PostgresSchema.migrations.count {
                throw StudyStoreError.newerSchema(path: name, found: version, supported: PostgresSchema.migrations.count)
            }
            guard !readOnly else { return version }
            if !hasOptuna {
                for statement in PostgresSchema.optuna { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            }
            while version < PostgresSchema.migrations.count {
                for statement in PostgresSchema.migrations[version] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                version += 1
                try await connection.query("UPDATE smarttuner_schema SET version = \(version)", logger: logger)
            }
            return version
        }
    }

    /// Runs `body` in one transaction (READ COMMITTED), committing when it returns and rolling
    /// back when it throws; a serialization failure or deadlock runs it again (up to 5 times).
    /// Errors come out as ``StudyStoreError``.
    @discardableResult
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await connections.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let result = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return result
                    } catch {
                        // A lost connection is closed by the pool; a live one must not stay in the transaction.
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let failure as StudyStoreError {
                if case .postgres(let state, _, _) = failure, PostgresFailure.retryable.contains(state), attempt < 5 { continue }
                throw failure
            }
        }
    }

    /// Runs `body`, one statement (its own transaction), again when it fails on a serialization
    /// failure or deadlock (up to 5 times). Errors come out as ``StudyStoreError``.
    func statement<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await connections.withConnection(body)
            } catch let failure as StudyStoreError {
                if case .postgres(let state, _, _) = failure, PostgresFailure.retryable.contains(state), attempt < 5 { continue }
                throw failure
            }
        }
    }

    /// Runs one read outside a transaction; errors come out as ``StudyStoreError``.
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await connections.withConnection { try await body($0) }
    }

    /// Fails unless writable.
    func requireWritable() throws {
        if readOnly { throw StudyStoreError.invalidState("the study database \(server) is open read-only") }
    }

    /// The names of the studies, in creation order.
    public func studyNames() async throws -> [String] {
        try await read { try await $0.all("SELECT study_name::text FROM studies ORDER BY study_id", logger: self.logger) { try $0.decode(String.self) } }
    }

    /// `ok` when every SmartTuner trial has its Optuna row and every study its direction, else what is wrong
    /// (the server keeps its own pages consistent; this checks what two tables must agree on).
    public func integrityCheck() async throws -> String {
        guard hasSmartTunerTables else { return "ok" }
        return try await read { connection in
            let orphans = try await connection.all("""
                SELECT count(*) FROM smarttuner_trials s LEFT JOIN trials t ON t.trial_id = s.trial_id WHERE t.trial_id IS NULL
                """, logger: self.logger) { try $0.decode(Int.self) }.first ?? 0
            let undirected = try await connection.all("""
                SELECT count(*) FROM studies s LEFT JOIN study_directions d ON d.study_id = s.study_id WHERE d.study_id IS NULL
                """, logger: self.logger) { try $0.decode(Int.self) }.first ?? 0
            var problems: [String] = []
            if orphans > 0 { problems.append("\(orphans) SmartTuner trial rows have no Optuna trial") }
            if undirected > 0 { problems.append("\(undirected) studies have no direction") }
            return problems.isEmpty ? "ok" : problems.joined(separator: "; ")
        }
    }
}

extension PostgresConnection {
    /// Every row of `query`, each made by `row`.
    func all<Row>(_ query: PostgresQuery, logger: Logger, _ row: (PostgresRow) throws -> Row) async throws -> [Row] {
        var rows: [Row] = []
        for try await each in try await self.query(query, logger: logger) { rows.append(try row(each)) }
        return rows
    }
}
