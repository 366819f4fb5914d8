import Synchronization
import Foundation
import Testing
import TestPostgres
import TestScratch

@testable import SmartTuner

/// The Python of the cached environment with Optuna, psycopg and optuna-dashboard
/// (`SMART_TUNER_POSTGRES_PYTHON`, set by scripts/test.sh from scripts/postgres-env.sh).
func postgresPython() throws -> String {
    guard let python = ProcessInfo.processInfo.environment["SMART_TUNER_POSTGRES_PYTHON"], !python.isEmpty else {
        throw PrivatePostgres.Failed(command: "SMART_TUNER_POSTGRES_PYTHON", status: "no Python",
                                     error: "is not set: run the tests with scripts/test.sh (it makes the environment with scripts/postgres-env.sh)")
    }
    return python
}

/// What `optuna_postgres.py` prints.
struct OptunaView: Decodable {
    let count: Int
    let states: [String]?
    let intermediate: [Int]?
    let best_number: Int
    let best_value: Double
    let best_params: [String: ParameterJSON]
    let best_outcome: String?
    let dashboard: [DashboardTrial]?

    struct DashboardTrial: Decodable { let number: Int; let state: String }
}

/// A parameter value as JSON carries it (Optuna's categorical choices are strings).
enum ParameterJSON: Decodable, Equatable {
    case number(Double), text(String)
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let number = try? c.decode(Double.self) { self = .number(number) } else { self = .text(try c.decode(String.self)) }
    }
}

/// What `smart-tuner best --json` prints, as far as these tests read it.
struct BestJSON: Decodable {
    let number: Int
    let value: Double
    let parameters: [String: ParameterJSON]
}

/// Runs `optuna_postgres.py MODE` on database `url` (a SmartTuner URL; the password from PGPASSWORD).
func optunaOnPostgres(_ mode: String, url: String, study: String) async throws -> OptunaView {
    let location = try PostgresLocation(url: url)
    let password = location.password() ?? ""
    let sqlalchemy = "postgresql+psycopg://\(location.user):\(password)@\(location.host):\(location.port)/\(location.database)"
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/optuna_postgres.py").path
    let output = try await PrivatePostgres.shell("'\(try postgresPython())' '\(script)' \(mode) '\(sqlalchemy)' '\(study)'")
    return try JSONDecoder().decode(OptunaView.self, from: Data(output.utf8))
}

@Suite("PostgreSQL studies: Optuna shares them, and a lost database loses nothing", .serialized, .scratch, .timeLimit(.minutes(15)))
struct PostgresStudyTests {
    @Test("Optuna (psycopg) and optuna-dashboard read a SmartTuner study on PostgreSQL: same trials, best value and parameters as smart-tuner best")
    func optunaReadsSmartTunerStudy() async throws {
        let directory = try scratchDirectory()
        let url = try await PostgresTestServer.newDatabaseURL()
        let yaml = drillStudy(directory: directory, trials: 3, parallelism: 2).replacingOccurrences(of: "\(directory)/study.db", with: url)
        try await StudyRunner(settings: try StudyConfigurationFile.parse(yaml, file: "drill.yaml"), pollInterval: .milliseconds(50)).run()

        let optuna = try await optunaOnPostgres("read", url: url, study: "drill")
        let run = try runSmartTuner(["best", "--storage", url, "--study", "drill", "--json"], in: directory)
        #expect(run.status == 0, "\(run.errors)")
        let best = try JSONDecoder().decode(BestJSON.self, from: Data(run.output.utf8))
        let store = try await openStore(url, readOnly: true)
        let trials = try await store.trials(of: try await store.study(named: "drill"))
        #expect(optuna.count == 3 && trials.count == 3)
        #expect(optuna.states == ["COMPLETE", "COMPLETE", "COMPLETE"])
        #expect(optuna.intermediate == trials.map(\.intermediate.count))
        #expect(optuna.best_number == best.number && optuna.best_value == best.value && optuna.best_params == best.parameters)
        #expect(optuna.best_outcome == trials.first { $0.number == best.number }?.outcome?.words)
        #expect(optuna.dashboard?.map(\.number) == [0, 1, 2] && optuna.dashboard?.allSatisfy { $0.state == "Complete" } == true)
    }

    @Test("SmartTuner reads a study Optuna wrote to PostgreSQL (complete, pruned and failed trials, reports, categorical choices)")
    func smartTunerReadsOptunaStudy() async throws {
        let directory = try scratchDirectory()
        let url = try await PostgresTestServer.newDatabaseURL()
        let written = try await optunaOnPostgres("write", url: url, study: "optuna-made")

        let run = try runSmartTuner(["best", "--storage", url, "--study", "optuna-made", "--json"], in: directory)
        #expect(run.status == 0, "\(run.errors)")
        let best = try JSONDecoder().decode(BestJSON.self, from: Data(run.output.utf8))
        #expect(best.number == written.best_number && best.value == written.best_value && best.parameters == written.best_params)
        let store = try await openStore(url, readOnly: true)
        let study = try await store.study(named: "optuna-made")
        let trials = try await store.trials(of: study)
        #expect(trials.count == written.count && trials.map(\.number) == Array(0..<7))
        #expect(trials.map(\.state) == [.complete, .complete, .complete, .pruned, .failed, .complete, .complete])
        #expect(trials.allSatisfy { $0.intermediate.count == 3 && $0.lastStep == 2 })
        #expect(study.definition.space.parameters.map(\.name).sorted() == ["kind", "n", "x"])
        // SmartTuner reads it, and says plainly why it will not run it.
        let rerun = try await openStore(url)
        let refusal = await #expect(throws: StudyStoreError.self) { try await rerun.createOrOpen(study.definition) }
        #expect(refusal?.description.contains("Optuna created it") == true)
    }
}

extension PostgresStudyTests {
    @Test("the database stops mid-study, every connection cut, and comes back: training goes on, held writes land in order, nothing is lost")
    func databaseOutage() async throws {
        let directory = try scratchDirectory()
        let server = try await PrivatePostgres.start(in: directory + "/postgres")
        // Trials that train to their budget (no early stop), so that they are still training when the database goes.
        let yaml = drillStudy(directory: directory, trials: 2, parallelism: 2, steps: 300)
            .replacingOccurrences(of: "\(directory)/study.db", with: server.url)
            .replacingOccurrences(of: "  alignment_deadline: 0", with: "  alignment_deadline: 0\n  patience: 0\n  overfitting_validations: 1000")
        let settings = try StudyConfigurationFile.parse(yaml, file: "drill.yaml")
        let steps = StudyStepWatch()
        let logs = CollectedLogs()
        let runner = try await StudyRunner(settings: settings, pollInterval: .milliseconds(50), logger: logs.logger) { steps.add($0) }
        let running = Task {
            defer { steps.end() }
            try await runner.run()
        }

        try await steps.wait(until: { $0 >= 60 }, ceiling: .seconds(300))
        try await server.stop(immediately: true)
        let atCut = steps.total
        // Both trials keep training while nothing can be written (validations every 10 steps queue up).
        try await steps.wait(until: { $0 >= atCut + 150 }, ceiling: .seconds(300))
        try await server.start()
        try await running.value

        let store = try await openStore(server.url, readOnly: true)
        let study = try await store.study(named: "drill")
        let trials = try await store.trials(of: study)
        #expect(trials.map(\.state) == [.complete, .complete])
        for trial in trials {
            #expect(trial.intermediate.keys.sorted() == Array(stride(from: 10, through: 300, by: 10)), "every validation's value, held and written")
            #expect(trial.lastStep == 300)
            let objectives = try await store.metrics(of: trial, after: 0).filter { $0.point.name == "objective" }.map(\.point.step)
            #expect(objectives == Array(stride(from: 10, through: 300, by: 10)), "figures land in the order they were recorded")
            #expect(try await store.events(of: trial).last?.kind == "finished")
        }
        #expect(try await store.integrityCheck() == "ok")
        // A write the outage made fail was tried again until the database answered (a write may
        // also have waited for a connection the whole time, and never failed).
        let failed = logs.all.contains { $0.contains("the study database is unavailable; training goes on") }
        #expect(!failed || logs.all.contains { $0.contains("the study database is back; held writes go on in order") })
        try await server.stop(immediately: false)
    }
}

/// Counts a study's training steps as its events report them, for tests that wait on progress.
final class StudyStepWatch: Sendable {
    private let steps = Mutex(0)
    private let ended = Mutex(false)

    func add(_ event: StudyEvent) {
        if case .step = event { steps.withLock { $0 += 1 } }
    }

    /// The study has ended (its runner returned or threw).
    func end() { ended.withLock { $0 = true } }

    var total: Int { steps.withLock { $0 } }

    /// Returns once `condition` holds for the count; fails the test if the study ends first, or
    /// past `ceiling`, instead of hanging.
    func wait(until condition: (Int) -> Bool, ceiling: Duration) async throws {
        let deadline = ContinuousClock.now + ceiling
        while !condition(total) {
            guard ContinuousClock.now < deadline, !ended.withLock({ $0 }) else {
                Issue.record("the study \(ended.withLock { $0 } ? "ended" : "ran for \(ceiling)") at \(total) steps, before what the test waits for")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension PostgresStudyTests {
    @Test("bad PostgreSQL storage through the CLI: a wrong password, no password, a closed port, a missing database, a password in the URL — each said plainly, at once")
    func badStorage() async throws {
        let server = try PostgresTestServer.url()
        let base = "postgresql://\(server.user)@\(server.host):\(server.port)"
        let closed = try await PrivatePostgres.shell("python3 -c 'import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])'")
        let cases: [(environment: String, storage: String, says: String)] = [
            ("PGPASSWORD=wrong", "\(base)/\(server.database)", "28P01: password authentication failed"),
            ("PGPASSWORD=wrong", "\(base)/\(server.database)", "give the password in PGPASSWORD"),
            ("-u PGPASSWORD", "\(base)/\(server.database)", "the server asks for a password; set PGPASSWORD"),
            ("", "postgresql://\(server.user)@127.0.0.1:\(closed)/x", "is unavailable"),
            ("", "\(base)/no_such_database", "3D000: database \"no_such_database\" does not exist"),
            ("", "postgresql://\(server.user):hunter2@\(server.host):\(server.port)/x", "holds a password"),
            ("", "\(base)/\(server.database)?sslmode=require", "does not offer TLS"),
        ]
        for (environment, storage, says) in cases {
            let command = "env \(environment) '\(smartTunerExecutable)' status --storage '\(storage)' 2>&1; echo \"exit=$?\""
            let output = try await PrivatePostgres.shell(command)
            #expect(output.contains(says) && !output.contains("exit=0"), "\(storage): \(output.suffix(600))")
            #expect(!output.contains("hunter2"))
        }
    }
}
