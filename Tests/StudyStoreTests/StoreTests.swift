import Foundation
import Optimization
import Synchronization
import Testing
import TestScratch

import Training
@testable import StudyStore

/// A fresh scratch folder per test (removed with its suite's).
func temporaryDirectory() throws -> String { try Scratch.folder("studystore") }

let testSpace = try! SearchSpace([  // swiftlint:disable:this force_try — a literal, valid space
    .init("learning_rate", .float(low: 1e-4, high: 1e-1, log: true)),
    .init("batch_size", .int(low: 4, high: 32)),
    .init("cell", .categorical([.string("gru"), .string("lstm")])),
])

func definition(_ name: String = "s", trials: Int = 3, direction: StudyDirection = .minimize) -> StudyDefinition {
    StudyDefinition(name: name, direction: direction, space: testSpace, seed: 7, targetTrials: trials)
}

func propose(_ history: [TrialSnapshot], _ number: Int) -> [String: ParameterValue]? {
    RandomSampler(seed: 1).suggest(space: testSpace, number: number, history: history)
}

@Suite("Study store: SQLite files", .scratch)
struct SQLiteStoreTests {
    @Test("connections that create one new file at the same moment all open it and see one study")
    func simultaneousCreation() async throws {
        // Each round, 8 connections race to create, set WAL on and migrate the same new file:
        // the journal-mode switch may not wait for a busy handler, so it must be retried.
        let directory = try temporaryDirectory()
        for round in 0..<50 {
            let path = "\(directory)/race-\(round).db"
            let errors = Mutex<[String]>([])
            let studies = Mutex<Set<Int64>>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do {
                    let study = try SQLiteStudyStore(path: path).createOrOpen(definition())
                    studies.withLock { _ = $0.insert(study.id) }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
            #expect(errors.withLock { $0 } == [], "round \(round)")
            #expect(studies.withLock { $0.count } == 1, "round \(round)")
            #expect(try SQLiteStudyStore(path: path, readOnly: true).integrityCheck() == "ok")
        }
    }

}

@Suite("Study store: broken and foreign files", .scratch)
struct BrokenFileTests {
    func fileWith(_ bytes: Data) throws -> String {
        let path = try temporaryDirectory() + "/f.db"
        _ = FileManager.default.createFile(atPath: path, contents: bytes)
        return path
    }

    @Test("a file that is not SQLite gets a clear error and is not written")
    func notSQLite() async throws {
        let bytes = Data(String(repeating: "this is not a database\n", count: 200).utf8)
        let path = try fileWith(bytes)
        let error = #expect(throws: StudyStoreError.self) { try SQLiteStudyStore(path: path) }
        #expect(error?.description.contains("not a usable SQLite database") == true)
        #expect(FileManager.default.contents(atPath: path) == bytes)
    }

    @Test("a SQLite file of another application is refused without a write")
    func foreign() async throws {
        let path = try temporaryDirectory() + "/other.db"
        let connection = try SQLiteConnection(path: path, create: true)
        try connection.execute("CREATE TABLE invoices (id INTEGER, amount REAL); INSERT INTO invoices VALUES (1, 2.5);")
        let before = FileManager.default.contents(atPath: path)
        let error = #expect(throws: StudyStoreError.self) { try SQLiteStudyStore(path: path) }
        #expect(error?.description.contains("not a study database") == true)
        #expect(error?.description.contains("invoices") == true)
        #expect(FileManager.default.contents(atPath: path) == before)
    }

    @Test("a truncated study file is refused, not crashed on")
    func truncated() async throws {
        let path = try temporaryDirectory() + "/s.db"
        let store = try SQLiteStudyStore(path: path)
        _ = try store.createOrOpen(definition())
        let whole = try #require(FileManager.default.contents(atPath: path))
        let damaged = try fileWith(whole.prefix(1_500) + Data(repeating: 0xFF, count: 3_000))
        #expect(throws: StudyStoreError.self) {
            let reopened = try SQLiteStudyStore(path: damaged)
            _ = try reopened.trials(of: try reopened.study(named: "s"))
        }
    }

    @Test("a file from a newer SmartTuner is refused")
    func newer() async throws {
        let path = try temporaryDirectory() + "/s.db"
        _ = try SQLiteStudyStore(path: path)
        let connection = try SQLiteConnection(path: path, create: false)
        try connection.execute("UPDATE smarttuner_schema SET version = 99")
        let error = #expect(throws: StudyStoreError.self) { try SQLiteStudyStore(path: path) }
        #expect(error?.description.contains("newer SmartTuner") == true)
    }

    @Test("a schema-1 file is read read-only as it is, and migrated to the current schema when opened for writing; nothing is lost")
    func migratesSchemaOne() async throws {
        let path = try temporaryDirectory() + "/s.db"
        let store = try SQLiteStudyStore(path: path)
        let study = try store.createOrOpen(definition())
        guard case .new(let trial) = try await store.claim(study, worker: WorkerIdentity.current, staleAfter: 60, propose: propose) else {
            Issue.record("no trial")
            return
        }
        try await store.report(trial, in: study, generation: 0, values: [(10, 0.5)], lastStep: 10, quality: ["focus_rate": 0.75, "objective": 0.5])
        #expect(try await store.trial(0, of: study).quality == ["focus_rate": 0.75, "objective": 0.5])
        // Turn the file back into schema 1, as an older SmartTuner wrote it.
        let connection = try SQLiteConnection(path: path, create: false)
        try connection.execute("""
            ALTER TABLE smarttuner_trials DROP COLUMN quality_json; ALTER TABLE smarttuner_checkpoints DROP COLUMN weights_finite;
            ALTER TABLE smarttuner_restarts DROP COLUMN kind;
            DROP TABLE smarttuner_metrics; DROP TABLE smarttuner_deliveries; ALTER TABLE smarttuner_checkpoints DROP COLUMN heatmap;
            ALTER TABLE smarttuner_checkpoints DROP COLUMN host;
            UPDATE smarttuner_schema SET version = 1
            """)
        let old = try SQLiteStudyStore(path: path, readOnly: true)
        let read = try old.trials(of: try old.study(named: "s"))
        #expect(read.count == 1 && read[0].intermediate == [10: 0.5] && read[0].quality.isEmpty)
        #expect(try old.restarts(of: read[0]).isEmpty)
        #expect(try old.metrics(of: read[0], after: 0).isEmpty && (try old.deliveries(of: try old.study(named: "s"), sink: "x")).isEmpty)
        let migrated = try SQLiteStudyStore(path: path)
        let reopened = try migrated.study(named: "s")
        try await migrated.report(trial, in: reopened, generation: 0, values: [(20, 0.25)], lastStep: 20, quality: ["focus_rate": 0.8])
        let after = try await migrated.trial(0, of: reopened)
        #expect(after.intermediate == [10: 0.5, 20: 0.25] && after.quality == ["focus_rate": 0.8])
        #expect(try connection.query("SELECT version FROM smarttuner_schema") { $0.int(0) } == [SQLiteStudyStore.schemaVersion])
        #expect(try migrated.integrityCheck() == "ok")
    }

    @Test("a reopened study takes the newest configuration; a reopen without one keeps the stored one")
    func configurationFollowsNewestRun() async throws {
        let path = try temporaryDirectory() + "/s.db"
        var first = definition()
        first.configurationJSON = #"{"steps":100}"#
        _ = try SQLiteStudyStore(path: path).createOrOpen(first)
        var second = definition()
        second.configurationJSON = #"{"steps":200}"#
        #expect(try SQLiteStudyStore(path: path).createOrOpen(second).definition.configurationJSON == #"{"steps":200}"#)
        #expect(try SQLiteStudyStore(path: path).createOrOpen(definition()).definition.configurationJSON == #"{"steps":200}"#)
    }

    @Test("a read-only open of a missing file fails and creates nothing")
    func missingReadOnly() async throws {
        let path = try temporaryDirectory() + "/none.db"
        #expect(throws: StudyStoreError.self) { try SQLiteStudyStore(path: path, readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

@Suite("Study store: Optuna reads SmartTuner studies", .scratch)
struct OptunaCompatibilityTests {
    @Test("optuna.load_study opens a finished study: same trial count, best value and best parameters")
    func optunaLoadsStudy() async throws {
        let path = try temporaryDirectory() + "/study.db"
        let store = try SQLiteStudyStore(path: path)
        let study = try store.createOrOpen(definition("compat", trials: 4))
        var values: [Double] = []
        for i in 0..<4 {
            let trial = try #require(try await store.claim(study, worker: .current, staleAfter: 60, propose: propose).newTrial)
            try await store.report(trial, in: study, generation: 0, values: [(100, 5 - Double(i)), (200, .nan)])
            let value = [0.75, 0.25, .infinity, 0.5][i]
            if i == 3 {
                try await store.finish(trial, in: study, generation: 0, state: .pruned, value: 4, outcome: .supervised(.pruned), summaryJSON: nil)
            } else {
                try await store.finish(trial, in: study, generation: 0, state: .complete, value: value, outcome: .supervised(.completed(.budget)), summaryJSON: nil)
            }
            values.append(value)
        }
        let best = try #require(try await store.bestTrial(of: study))
        let script = """
            import json, sys, optuna
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            s = optuna.load_study(study_name="compat", storage="sqlite:///" + sys.argv[1])
            print(json.dumps({"n": len(s.trials), "best": s.best_value, "number": s.best_trial.number, "params": s.best_params,
                              "states": [t.state.name for t in s.trials], "inter": {str(k): v for k, v in s.trials[0].intermediate_values.items() if v == v}}))
            """
        let output = try runPython(script, arguments: [path])
        let decoded = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let result = try #require(decoded, "optuna printed: \(output)")
        #expect(result["n"] as? Int == 4)
        #expect(result["best"] as? Double == best.value)
        #expect(result["number"] as? Int == best.number)
        #expect(result["states"] as? [String] == ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED"])
        #expect(result["inter"] as? [String: Double] == ["100": 5])
        let params = try #require(result["params"] as? [String: Any])
        #expect(params["learning_rate"] as? Double == best.parameters["learning_rate"]?.number)
        #expect(params["batch_size"] as? Int == best.parameters["batch_size"].flatMap { $0.number.map(Int.init) })
        #expect(params["cell"] as? String == best.parameters["cell"]?.description)
    }
}

/// Runs a Python script (optuna comes from PyPI; `scripts/test.sh` installs it).
func runPython(_ script: String, arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitForExit()
    guard process.terminationStatus == 0 else {
        throw StudyStoreError.invalidState("python3 failed (\(process.terminationStatus)); is optuna installed (pip install optuna)? \(errorText.suffix(600))")
    }
    return String(decoding: data, as: UTF8.self)
}

extension TrialClaim {
    /// The new trial this claim handed out, if it did.
    var newTrial: StoredTrial? {
        if case .new(let trial) = self { return trial }
        return nil
    }
}
