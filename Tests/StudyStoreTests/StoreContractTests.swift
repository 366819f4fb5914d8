import Foundation
import Optimization
import Testing
import TestScratch
import Training

@testable import StudyStore

@Suite("Study store contract: every backend keeps these guarantees", .scratch)
struct StoreContractTests {
    let me = WorkerIdentity.current

    @Test("a study is created once and reopened with the same definition; a different one is refused", arguments: StoreBackend.all)
    func createAndReopen(backend: StoreBackend) async throws {
        let path = try await backend.location()
        let store = try await backend.open(path)
        let study = try await store.createOrOpen(definition())
        let again = try await backend.open(path).createOrOpen(definition(trials: 5))
        #expect(again.id == study.id && again.definition.targetTrials == 5)
        #expect(try await store.studyNames() == ["s"])
        let other = try SearchSpace([.init("x", .float(low: 0, high: 1))])
        let error = await #expect(throws: StudyStoreError.self) { try await store.createOrOpen(StudyDefinition(name: "s", space: other, targetTrials: 3)) }
        #expect(error?.description.contains("different definition") == true)
        await #expect(throws: StudyStoreError.self) { try await store.createOrOpen(definition(direction: .maximize)) }
        let missing = await #expect(throws: StudyStoreError.self) { try await store.study(named: "nope") }
        guard case .noSuchStudy(let name, let available)? = missing else { Issue.record("expected noSuchStudy"); return }
        #expect(name == "nope" && available == ["s"])
    }

    @Test("workers claim numbered trials up to the target, then done; results are written once", arguments: StoreBackend.all)
    func claimAndFinish(backend: StoreBackend) async throws {
        let store = try await backend.open(try await backend.location())
        let study = try await store.createOrOpen(definition(trials: 2))
        guard case .new(let first) = try await store.claim(study, worker: me, staleAfter: 60, propose: propose),
              case .new(let second) = try await store.claim(study, worker: me, staleAfter: 60, propose: propose) else {
            Issue.record("expected two new trials"); return
        }
        #expect(first.number == 0 && second.number == 1)
        #expect(first.parameters.count == 3 && testSpace.parameters.allSatisfy { $0.distribution.contains(first.parameters[$0.name]!) })
        #expect(try await store.claim(study, worker: me, staleAfter: 60, propose: propose) == .wait, "both still running, owned by a live worker")
        try await store.report(first, in: study, generation: 0, values: [(100, 2.5), (200, 1.5)], lastStep: 200,
                         checkpoints: [Checkpoint(generation: 0, step: 200, path: "/nonexistent", sha256: "x", evaluation: 1, aligned: false)])
        try await store.finish(first, in: study, generation: 0, state: .complete, value: 1.25, outcome: .supervised(.completed(.budget)), summaryJSON: "{}")
        try await store.finish(second, in: study, generation: 0, state: .failed, value: nil, outcome: .supervised(.failed(.crash)), summaryJSON: nil)
        let again = await #expect(throws: StudyStoreError.self) {
            try await store.finish(first, in: study, generation: 0, state: .complete, value: 9, outcome: .supervised(.pruned), summaryJSON: nil)
        }
        #expect(again?.description.contains("already finished") == true)
        #expect(try await store.claim(study, worker: me, staleAfter: 60, propose: propose) == .done)
        let trials = try await store.trials(of: study)
        #expect(trials.map(\.state) == [.complete, .failed])
        #expect(trials[0].value == 1.25 && trials[0].intermediate == [100: 2.5, 200: 1.5] && trials[0].lastStep == 200)
        #expect(try await store.bestTrial(of: study)?.number == 0)
        #expect(try await store.integrityCheck() == "ok")
    }

    @Test("a trial left running by a dead process is taken over as a new generation; a stale generation's result is dropped", arguments: StoreBackend.all)
    func takeOverDeadWorker(backend: StoreBackend) async throws {
        let path = try await backend.location()
        let store = try await backend.open(path)
        let study = try await store.createOrOpen(definition(trials: 1))
        let dead = WorkerIdentity(host: me.host, pid: Int32.max - 1, processStart: "1")
        guard case .new(let orphan) = try await store.claim(study, worker: dead, staleAfter: 3_600, propose: propose) else {
            Issue.record("expected a new trial"); return
        }
        let file = try temporaryDirectory() + "/weights.ckpt"
        _ = FileManager.default.createFile(atPath: file, contents: Data("weights".utf8))
        try await store.report(orphan, in: study, generation: 0, values: [(100, 3)],
                         checkpoints: [Checkpoint(generation: 0, step: 100, path: file, sha256: "abc", evaluation: 2, aligned: false, host: me.host),
                                       Checkpoint(generation: 0, step: 200, path: file, sha256: "def", evaluation: .nan, aligned: false),
                                       Checkpoint(generation: 0, step: 300, path: "/elsewhere/weights.ckpt", sha256: "ghi", evaluation: 1,
                                                  aligned: false, host: "gpu-7")])
        guard case .resumed(let taken, let checkpoints) = try await store.claim(study, worker: me, staleAfter: 3_600, propose: propose) else {
            Issue.record("expected the orphan to be taken over"); return
        }
        #expect(taken.number == orphan.number && taken.generation == 1 && taken.interruptions == 1)
        #expect(checkpoints.map(\.step) == [300, 200, 100] && checkpoints.filter(\.good).map(\.step) == [300, 100],
                "all are handed over, whichever host wrote them; the one with a non-finite evaluation reads back not good")
        #expect(checkpoints.map(\.host) == ["gpu-7", nil, me.host], "each keeps the host that recorded it")
        #expect(try await store.checkpoints(of: taken).map(\.step) == [200, 100], "a listing holds what this host can read")
        #expect(try await store.events(of: taken).map(\.kind) == ["interrupted"])
        await #expect(throws: StudyStoreError.self) {
            try await store.finish(orphan, in: study, generation: 0, state: .complete, value: 1, outcome: .supervised(.completed(.budget)), summaryJSON: nil)
        }
        try await store.finish(taken, in: study, generation: 1, state: .complete, value: 2, outcome: .supervised(.completed(.budget)), summaryJSON: nil)
        #expect(try await store.trials(of: study).map(\.value) == [2])
        // The stale generation, back after the new one finished the trial, is told it was superseded (so it drops its run).
        let late = await #expect(throws: StudyStoreError.self) {
            try await store.report(orphan, in: study, generation: 0, values: [(400, 1)], checkpoints: [])
        }
        #expect(late == .supersededGeneration(trial: orphan.number, current: 1, writing: 0))
    }

    @Test("a silent worker on another host is taken over after its heartbeat goes stale, not before", arguments: StoreBackend.all)
    func staleHeartbeat(backend: StoreBackend) async throws {
        let store = try await backend.open(try await backend.location())
        let study = try await store.createOrOpen(definition(trials: 1))
        let remote = WorkerIdentity(host: "elsewhere", pid: 1, processStart: "")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await store.claim(study, worker: remote, staleAfter: 60, now: start, propose: propose)
        #expect(try await store.claim(study, worker: me, staleAfter: 60, now: start.addingTimeInterval(30), propose: propose) == .wait)
        guard case .resumed = try await store.claim(study, worker: me, staleAfter: 60, now: start.addingTimeInterval(61), propose: propose) else {
            Issue.record("expected a take-over"); return
        }
    }

    @Test("a worker's heartbeat refreshes only the trials it still owns; its superseded writes get a typed error", arguments: StoreBackend.all)
    func heartbeatOfOwnedTrialsOnly(backend: StoreBackend) async throws {
        let store = try await backend.open(try await backend.location())
        let study = try await store.createOrOpen(definition(trials: 1))
        let first = WorkerIdentity(host: "one", pid: 1, processStart: "a"), second = WorkerIdentity(host: "two", pid: 2, processStart: "b")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        guard case .new(let trial) = try await store.claim(study, worker: first, staleAfter: 60, now: start, propose: propose) else {
            Issue.record("expected a new trial"); return
        }
        // The first worker falls silent; the second takes the trial over at +61 s.
        guard case .resumed = try await store.claim(study, worker: second, staleAfter: 60, now: start.addingTimeInterval(61), propose: propose) else {
            Issue.record("expected a take-over"); return
        }
        // The first worker wakes up: its heartbeat must not keep the second's claim alive…
        try await store.heartbeat([trial], worker: first, now: start.addingTimeInterval(150))
        // …so when the second falls silent too, a third worker takes the trial over.
        guard case .resumed = try await store.claim(study, worker: me, staleAfter: 60, now: start.addingTimeInterval(125), propose: propose) else {
            Issue.record("the first worker's heartbeat refreshed a trial it no longer owns"); return
        }
        await #expect(throws: StudyStoreError.supersededGeneration(trial: 0, current: 2, writing: 0)) {
            try await store.report(trial, in: study, generation: 0, values: [(10, 1)])
        }
    }

    @Test("ask and tell: outside scripts drive a study; external trials are never taken over", arguments: StoreBackend.all)
    func askTell(backend: StoreBackend) async throws {
        let store = try await backend.open(try await backend.location())
        let study = try await store.createOrOpen(definition(trials: 5, direction: .maximize))
        let trial = try #require(try await store.ask(study, propose: propose))
        #expect(try await store.claim(study, worker: WorkerIdentity(host: "h", pid: 2, processStart: ""), staleAfter: 0,
                                now: Date().addingTimeInterval(1e6), propose: { _, _ in nil }) == .wait)
        await #expect(throws: StudyStoreError.self) { try await store.tell(study, number: trial.number, state: .complete, value: nil) }
        try await store.tell(study, number: trial.number, state: .complete, value: 0.9)
        let other = try #require(try await store.ask(study, propose: propose))
        try await store.tell(study, number: other.number, state: .complete, value: 0.5)
        #expect(try await store.bestTrial(of: study)?.number == trial.number, "maximising")
        #expect(try await store.snapshots(of: study).map(\.value) == [-0.9, -0.5], "samplers see minimised values")
        let missing = await #expect(throws: StudyStoreError.self) { try await store.tell(study, number: 42, state: .failed, value: nil) }
        #expect(missing?.description.contains("no trial number 42") == true)
    }

    @Test("another process's writes are seen (the cache follows the study's revision)", arguments: StoreBackend.all)
    func secondConnection(backend: StoreBackend) async throws {
        let path = try await backend.location()
        let a = try await backend.open(path), b = try await backend.open(path)
        let study = try await a.createOrOpen(definition(trials: 4))
        #expect(try await b.trials(of: study).isEmpty)
        let trial = try #require(try await a.claim(study, worker: me, staleAfter: 60, propose: propose).newTrial)
        #expect(try await b.trials(of: study).map(\.state) == [.running])
        try await a.report(trial, in: study, generation: 0, values: [(10, 1)])
        #expect(try await b.trials(of: study)[0].intermediate == [10: 1])
        try await a.finish(trial, in: study, generation: 0, state: .pruned, value: 1, outcome: .supervised(.pruned), summaryJSON: nil)
        #expect(try await b.trials(of: study).map(\.state) == [.pruned])
        let reader = try await backend.open(path, readOnly: true)
        #expect(try await reader.trials(of: study).count == 1)
        await #expect(throws: StudyStoreError.self) { try await reader.claim(study, worker: me, staleAfter: 1, propose: propose) }
    }

    @Test("the model registry keeps versions and stage history; one production version per name", arguments: StoreBackend.all)
    func registry(backend: StoreBackend) async throws {
        let store = try await backend.open(try await backend.location())
        let v1 = try await store.register(name: "tts", study: "s", trial: 3, checkpoint: "/c1", sha256: "a", metrics: ["focus_rate": 0.8], parameters: ["learning_rate": 0.001])
        let v2 = try await store.register(name: "tts", study: "s", trial: 5, checkpoint: "/c2", sha256: "b", metrics: [:], parameters: [:])
        #expect([v1.version, v2.version] == [1, 2] && v1.stage == .candidate)
        try await store.setStage(name: "tts", version: 1, to: .production)
        try await store.setStage(name: "tts", version: 2, to: .production, note: "better")
        let models = try await store.models(named: "tts")
        #expect(models.map(\.stage) == [.archived, .production])
        #expect(models[0].history.map(\.stage) == [.candidate, .production, .archived])
        let error = await #expect(throws: StudyStoreError.self) { try await store.setStage(name: "tts", version: 9, to: .archived) }
        #expect(error?.description.contains("has versions 1, 2") == true)
    }
}

