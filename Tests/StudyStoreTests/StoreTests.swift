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

@Suite("Study store", .scratch)
struct StoreTests {
    let me = WorkerIdentity.current

    @Test("a study is created once and reopened with the same definition; a different one is refused")
    func createAndReopen() throws {
        let path = try temporaryDirectory() + "/s.db"
        let store = try StudyStore(path: path)
        let study = try store.createOrOpen(definition())
        let again = try StudyStore(path: path).createOrOpen(definition(trials: 5))
        #expect(again.id == study.id && again.definition.targetTrials == 5)
        #expect(try store.studyNames() == ["s"])
        let other = try SearchSpace([.init("x", .float(low: 0, high: 1))])
        let error = #expect(throws: StudyStoreError.self) { try store.createOrOpen(StudyDefinition(name: "s", space: other, targetTrials: 3)) }
        #expect(error?.description.contains("different definition") == true)
        #expect(throws: StudyStoreError.self) { try store.createOrOpen(definition(direction: .maximize)) }
        let missing = #expect(throws: StudyStoreError.self) { try store.study(named: "nope") }
        #expect(missing?.description.contains("the file has: s") == true)
    }

    @Test("workers claim numbered trials up to the target, then done; results are written once")
    func claimAndFinish() throws {
        let store = try StudyStore(path: try temporaryDirectory() + "/s.db")
        let study = try store.createOrOpen(definition(trials: 2))
        guard case .new(let first) = try store.claim(study, worker: me, staleAfter: 60, propose: propose),
              case .new(let second) = try store.claim(study, worker: me, staleAfter: 60, propose: propose) else {
            Issue.record("expected two new trials"); return
        }
        #expect(first.number == 0 && second.number == 1)
        #expect(first.parameters.count == 3 && testSpace.parameters.allSatisfy { $0.distribution.contains(first.parameters[$0.name]!) })
        #expect(try store.claim(study, worker: me, staleAfter: 60, propose: propose) == .wait, "both still running, owned by a live worker")
        try store.report(first, in: study, generation: 0, values: [(100, 2.5), (200, 1.5)], lastStep: 200,
                         checkpoints: [Checkpoint(generation: 0, step: 200, path: "/nonexistent", sha256: "x", evaluation: 1, aligned: false)])
        try store.finish(first, in: study, generation: 0, state: .complete, value: 1.25, outcome: "completed.budget", summaryJSON: "{}")
        try store.finish(second, in: study, generation: 0, state: .failed, value: nil, outcome: "failed.crash", summaryJSON: nil)
        let again = #expect(throws: StudyStoreError.self) {
            try store.finish(first, in: study, generation: 0, state: .complete, value: 9, outcome: "x", summaryJSON: nil)
        }
        #expect(again?.description.contains("already finished") == true)
        #expect(try store.claim(study, worker: me, staleAfter: 60, propose: propose) == .done)
        let trials = try store.trials(of: study)
        #expect(trials.map(\.state) == [.complete, .failed])
        #expect(trials[0].value == 1.25 && trials[0].intermediate == [100: 2.5, 200: 1.5] && trials[0].lastStep == 200)
        #expect(try store.bestTrial(of: study)?.number == 0)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("a trial left running by a dead process is taken over as a new generation; a stale generation's result is dropped")
    func takeOverDeadWorker() throws {
        let path = try temporaryDirectory() + "/s.db"
        let store = try StudyStore(path: path)
        let study = try store.createOrOpen(definition(trials: 1))
        let dead = WorkerIdentity(host: me.host, pid: Int32.max - 1, processStart: "1")
        guard case .new(let orphan) = try store.claim(study, worker: dead, staleAfter: 3_600, propose: propose) else {
            Issue.record("expected a new trial"); return
        }
        let file = path + ".ckpt"
        _ = FileManager.default.createFile(atPath: file, contents: Data("weights".utf8))
        try store.report(orphan, in: study, generation: 0, values: [(100, 3)],
                         checkpoints: [Checkpoint(generation: 0, step: 100, path: file, sha256: "abc", evaluation: 2, aligned: false),
                                       Checkpoint(generation: 0, step: 200, path: file, sha256: "def", evaluation: .nan, aligned: false)])
        guard case .resumed(let taken, let checkpoints) = try store.claim(study, worker: me, staleAfter: 3_600, propose: propose) else {
            Issue.record("expected the orphan to be taken over"); return
        }
        #expect(taken.number == orphan.number && taken.generation == 1 && taken.interruptions == 1)
        #expect(checkpoints.map(\.step) == [200, 100] && checkpoints.filter(\.good).map(\.step) == [100],
                "both are handed over; the one with a non-finite evaluation reads back not good")
        #expect(try store.events(of: taken).map(\.kind) == ["interrupted"])
        #expect(throws: StudyStoreError.self) {
            try store.finish(orphan, in: study, generation: 0, state: .complete, value: 1, outcome: "late", summaryJSON: nil)
        }
        try store.finish(taken, in: study, generation: 1, state: .complete, value: 2, outcome: "completed.budget", summaryJSON: nil)
        #expect(try store.trials(of: study).map(\.value) == [2])
    }

    @Test("a silent worker on another host is taken over after its heartbeat goes stale, not before")
    func staleHeartbeat() throws {
        let store = try StudyStore(path: try temporaryDirectory() + "/s.db")
        let study = try store.createOrOpen(definition(trials: 1))
        let remote = WorkerIdentity(host: "elsewhere", pid: 1, processStart: "")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try store.claim(study, worker: remote, staleAfter: 60, now: start, propose: propose)
        #expect(try store.claim(study, worker: me, staleAfter: 60, now: start.addingTimeInterval(30), propose: propose) == .wait)
        guard case .resumed = try store.claim(study, worker: me, staleAfter: 60, now: start.addingTimeInterval(61), propose: propose) else {
            Issue.record("expected a take-over"); return
        }
    }

    @Test("a worker's heartbeat refreshes only the trials it still owns; its superseded writes get a typed error")
    func heartbeatOfOwnedTrialsOnly() throws {
        let store = try StudyStore(path: try temporaryDirectory() + "/s.db")
        let study = try store.createOrOpen(definition(trials: 1))
        let first = WorkerIdentity(host: "one", pid: 1, processStart: "a"), second = WorkerIdentity(host: "two", pid: 2, processStart: "b")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        guard case .new(let trial) = try store.claim(study, worker: first, staleAfter: 60, now: start, propose: propose) else {
            Issue.record("expected a new trial"); return
        }
        // The first worker falls silent; the second takes the trial over at +61 s.
        guard case .resumed = try store.claim(study, worker: second, staleAfter: 60, now: start.addingTimeInterval(61), propose: propose) else {
            Issue.record("expected a take-over"); return
        }
        // The first worker wakes up: its heartbeat must not keep the second's claim alive…
        try store.heartbeat([trial], worker: first, now: start.addingTimeInterval(150))
        // …so when the second falls silent too, a third worker takes the trial over.
        guard case .resumed = try store.claim(study, worker: me, staleAfter: 60, now: start.addingTimeInterval(125), propose: propose) else {
            Issue.record("the first worker's heartbeat refreshed a trial it no longer owns"); return
        }
        #expect(throws: StudyStoreError.supersededGeneration(trial: 0, current: 2, writing: 0)) {
            try store.report(trial, in: study, generation: 0, values: [(10, 1)])
        }
    }

    @Test("ask and tell: outside scripts drive a study; external trials are never taken over")
    func askTell() throws {
        let store = try StudyStore(path: try temporaryDirectory() + "/s.db")
        let study = try store.createOrOpen(definition(trials: 5, direction: .maximize))
        let trial = try #require(try store.ask(study, propose: propose))
        #expect(try store.claim(study, worker: WorkerIdentity(host: "h", pid: 2, processStart: ""), staleAfter: 0,
                                now: Date().addingTimeInterval(1e6), propose: { _, _ in nil }) == .wait)
        #expect(throws: StudyStoreError.self) { try store.tell(study, number: trial.number, state: .complete, value: nil) }
        try store.tell(study, number: trial.number, state: .complete, value: 0.9)
        let other = try #require(try store.ask(study, propose: propose))
        try store.tell(study, number: other.number, state: .complete, value: 0.5)
        #expect(try store.bestTrial(of: study)?.number == trial.number, "maximising")
        #expect(try store.snapshots(of: study).map(\.value) == [-0.9, -0.5], "samplers see minimised values")
        let missing = #expect(throws: StudyStoreError.self) { try store.tell(study, number: 42, state: .failed, value: nil) }
        #expect(missing?.description.contains("no trial number 42") == true)
    }

    @Test("another process's writes are seen (the cache follows the study's revision)")
    func secondConnection() throws {
        let path = try temporaryDirectory() + "/s.db"
        let a = try StudyStore(path: path), b = try StudyStore(path: path)
        let study = try a.createOrOpen(definition(trials: 4))
        #expect(try b.trials(of: study).isEmpty)
        let trial = try #require(try a.claim(study, worker: me, staleAfter: 60, propose: propose).newTrial)
        #expect(try b.trials(of: study).map(\.state) == [.running])
        try a.report(trial, in: study, generation: 0, values: [(10, 1)])
        #expect(try b.trials(of: study)[0].intermediate == [10: 1])
        try a.finish(trial, in: study, generation: 0, state: .pruned, value: 1, outcome: "pruned", summaryJSON: nil)
        #expect(try b.trials(of: study).map(\.state) == [.pruned])
        let reader = try StudyStore(path: path, readOnly: true)
        #expect(try reader.trials(of: study).count == 1)
        #expect(throws: StudyStoreError.self) { try reader.claim(study, worker: me, staleAfter: 1, propose: propose) }
    }

    @Test("connections that create one new file at the same moment all open it and see one study")
    func simultaneousCreation() throws {
        // Each round, 8 connections race to create, set WAL on and migrate the same new file:
        // the journal-mode switch may not wait for a busy handler, so it must be retried.
        let directory = try temporaryDirectory()
        for round in 0..<50 {
            let path = "\(directory)/race-\(round).db"
            let errors = Mutex<[String]>([])
            let studies = Mutex<Set<Int64>>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do {
                    let study = try StudyStore(path: path).createOrOpen(definition())
                    studies.withLock { _ = $0.insert(study.id) }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
            #expect(errors.withLock { $0 } == [], "round \(round)")
            #expect(studies.withLock { $0.count } == 1, "round \(round)")
            #expect(try StudyStore(path: path, readOnly: true).integrityCheck() == "ok")
        }
    }

    @Test("the model registry keeps versions and stage history; one production version per name")
    func registry() throws {
        let store = try StudyStore(path: try temporaryDirectory() + "/s.db")
        let v1 = try store.register(name: "tts", study: "s", trial: 3, checkpoint: "/c1", sha256: "a", metrics: ["focus_rate": 0.8], parameters: ["learning_rate": 0.001])
        let v2 = try store.register(name: "tts", study: "s", trial: 5, checkpoint: "/c2", sha256: "b", metrics: [:], parameters: [:])
        #expect([v1.version, v2.version] == [1, 2] && v1.stage == .candidate)
        try store.setStage(name: "tts", version: 1, to: .production)
        try store.setStage(name: "tts", version: 2, to: .production, note: "better")
        let models = try store.models(named: "tts")
        #expect(models.map(\.stage) == [.archived, .production])
        #expect(models[0].history.map(\.stage) == [.candidate, .production, .archived])
        let error = #expect(throws: StudyStoreError.self) { try store.setStage(name: "tts", version: 9, to: .archived) }
        #expect(error?.description.contains("has versions 1, 2") == true)
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
    func notSQLite() throws {
        let bytes = Data(String(repeating: "this is not a database\n", count: 200).utf8)
        let path = try fileWith(bytes)
        let error = #expect(throws: StudyStoreError.self) { try StudyStore(path: path) }
        #expect(error?.description.contains("not a usable SQLite database") == true)
        #expect(FileManager.default.contents(atPath: path) == bytes)
    }

    @Test("a SQLite file of another application is refused without a write")
    func foreign() throws {
        let path = try temporaryDirectory() + "/other.db"
        let connection = try SQLiteConnection(path: path, create: true)
        try connection.execute("CREATE TABLE invoices (id INTEGER, amount REAL); INSERT INTO invoices VALUES (1, 2.5);")
        let before = FileManager.default.contents(atPath: path)
        let error = #expect(throws: StudyStoreError.self) { try StudyStore(path: path) }
        #expect(error?.description.contains("not a study database") == true)
        #expect(error?.description.contains("invoices") == true)
        #expect(FileManager.default.contents(atPath: path) == before)
    }

    @Test("a truncated study file is refused, not crashed on")
    func truncated() throws {
        let path = try temporaryDirectory() + "/s.db"
        let store = try StudyStore(path: path)
        _ = try store.createOrOpen(definition())
        let whole = try #require(FileManager.default.contents(atPath: path))
        let damaged = try fileWith(whole.prefix(1_500) + Data(repeating: 0xFF, count: 3_000))
        #expect(throws: StudyStoreError.self) {
            let reopened = try StudyStore(path: damaged)
            _ = try reopened.trials(of: try reopened.study(named: "s"))
        }
    }

    @Test("a file from a newer SmartTuner is refused")
    func newer() throws {
        let path = try temporaryDirectory() + "/s.db"
        _ = try StudyStore(path: path)
        let connection = try SQLiteConnection(path: path, create: false)
        try connection.execute("UPDATE smarttuner_schema SET version = 99")
        let error = #expect(throws: StudyStoreError.self) { try StudyStore(path: path) }
        #expect(error?.description.contains("newer SmartTuner") == true)
    }

    @Test("a schema-1 file is read read-only as it is, and migrated to the current schema when opened for writing; nothing is lost")
    func migratesSchemaOne() throws {
        let path = try temporaryDirectory() + "/s.db"
        let store = try StudyStore(path: path)
        let study = try store.createOrOpen(definition())
        guard case .new(let trial) = try store.claim(study, worker: WorkerIdentity.current, staleAfter: 60, propose: propose) else {
            Issue.record("no trial")
            return
        }
        try store.report(trial, in: study, generation: 0, values: [(10, 0.5)], lastStep: 10, quality: ["focus_rate": 0.75, "objective": 0.5])
        #expect(try store.trial(0, of: study).quality == ["focus_rate": 0.75, "objective": 0.5])
        // Turn the file back into schema 1, as an older SmartTuner wrote it.
        let connection = try SQLiteConnection(path: path, create: false)
        try connection.execute("""
            ALTER TABLE smarttuner_trials DROP COLUMN quality_json; ALTER TABLE smarttuner_checkpoints DROP COLUMN weights_finite;
            UPDATE smarttuner_schema SET version = 1
            """)
        let old = try StudyStore(path: path, readOnly: true)
        let read = try old.trials(of: try old.study(named: "s"))
        #expect(read.count == 1 && read[0].intermediate == [10: 0.5] && read[0].quality.isEmpty)
        let migrated = try StudyStore(path: path)
        let reopened = try migrated.study(named: "s")
        try migrated.report(trial, in: reopened, generation: 0, values: [(20, 0.25)], lastStep: 20, quality: ["focus_rate": 0.8])
        let after = try migrated.trial(0, of: reopened)
        #expect(after.intermediate == [10: 0.5, 20: 0.25] && after.quality == ["focus_rate": 0.8])
        #expect(try connection.query("SELECT version FROM smarttuner_schema") { $0.int(0) } == [StudyStore.schemaVersion])
        #expect(try migrated.integrityCheck() == "ok")
    }

    @Test("a reopened study takes the newest configuration; a reopen without one keeps the stored one")
    func configurationFollowsNewestRun() throws {
        let path = try temporaryDirectory() + "/s.db"
        var first = definition()
        first.configurationJSON = #"{"steps":100}"#
        _ = try StudyStore(path: path).createOrOpen(first)
        var second = definition()
        second.configurationJSON = #"{"steps":200}"#
        #expect(try StudyStore(path: path).createOrOpen(second).definition.configurationJSON == #"{"steps":200}"#)
        #expect(try StudyStore(path: path).createOrOpen(definition()).definition.configurationJSON == #"{"steps":200}"#)
    }

    @Test("a read-only open of a missing file fails and creates nothing")
    func missingReadOnly() throws {
        let path = try temporaryDirectory() + "/none.db"
        #expect(throws: StudyStoreError.self) { try StudyStore(path: path, readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

@Suite("Study store: Optuna reads SmartTuner studies", .scratch)
struct OptunaCompatibilityTests {
    @Test("optuna.load_study opens a finished study: same trial count, best value and best parameters")
    func optunaLoadsStudy() throws {
        let path = try temporaryDirectory() + "/study.db"
        let store = try StudyStore(path: path)
        let study = try store.createOrOpen(definition("compat", trials: 4))
        var values: [Double] = []
        for i in 0..<4 {
            let trial = try #require(try store.claim(study, worker: .current, staleAfter: 60, propose: propose).newTrial)
            try store.report(trial, in: study, generation: 0, values: [(100, 5 - Double(i)), (200, .nan)])
            let value = [0.75, 0.25, .infinity, 0.5][i]
            if i == 3 {
                try store.finish(trial, in: study, generation: 0, state: .pruned, value: 4, outcome: "pruned", summaryJSON: nil)
            } else {
                try store.finish(trial, in: study, generation: 0, state: .complete, value: value, outcome: "completed", summaryJSON: nil)
            }
            values.append(value)
        }
        let best = try #require(try store.bestTrial(of: study))
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
    process.waitUntilExit()
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
