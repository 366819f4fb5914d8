import Foundation
import Optimization
import Testing
import TestScratch
import Training

@testable import StudyStore

extension StoreContractTests {
    @Test("outcomes, restart causes and changes read back typed; non-finite values keep their kind", arguments: StoreBackend.all)
    func typedRecords(backend: StoreBackend) async throws {
        let store = try await backend.open(try await backend.location())
        let study = try await store.createOrOpen(definition(trials: 3))
        let worker = WorkerIdentity(host: "h", pid: 7, processStart: "p")
        var trials: [StoredTrial] = []
        for _ in 0..<3 { trials.append(try #require(try await store.claim(study, worker: worker, staleAfter: 60, propose: propose).newTrial)) }
        try await store.report(trials[0], in: study, generation: 0, values: [(10, .nan), (20, .infinity), (30, -.infinity), (40, 0.5)])
        let changes = [ParameterChange(name: "learning_rate", from: 0.01, to: 0.005)]
        try await store.recordRestart(trials[0], in: study, previousGeneration: 0, restart: StoredRestart(
            generation: 1, cause: .gradientExplosion, evidence: "grad norm 1e6 over 5 steps", changes: changes, checkpoint: "/c10",
            backoffSeconds: 2.5, kind: .hot), hyperparameters: ["learning_rate": 0.005])
        try await store.finish(trials[0], in: study, generation: 1, state: .complete, value: 0.5,
                               outcome: .supervised(.completed(.budget)), summaryJSON: nil)
        try await store.finish(trials[1], in: study, generation: 0, state: .failed, value: nil,
                               outcome: .supervised(.failed(.trainerFault)), summaryJSON: nil)
        try await store.finish(trials[2], in: study, generation: 0, state: .pruned, value: 3, outcome: .supervised(.pruned), summaryJSON: nil)
        let read = try await store.trials(of: study)
        #expect(read.map(\.outcome) == [.supervised(.completed(.budget)), .supervised(.failed(.trainerFault)), .supervised(.pruned)])
        #expect(read.map(\.state) == [.complete, .failed, .pruned] && read.map(\.value) == [0.5, nil, 3])
        let values = read[0].intermediate
        #expect(values[10]?.isNaN == true && values[20] == .infinity && values[30] == -.infinity && values[40] == 0.5)
        #expect(read[0].generation == 1 && read[0].hyperparameters == ["learning_rate": 0.005])
        let restarts = try await store.restarts(of: read[0])
        #expect(restarts == [StoredRestart(generation: 1, cause: .gradientExplosion, evidence: "grad norm 1e6 over 5 steps",
                                           changes: changes, checkpoint: "/c10", backoffSeconds: 2.5, kind: .hot)])
    }

    @Test("checkpoints keep their step, digest, evaluation and finiteness; only good ones read back good", arguments: StoreBackend.all)
    func checkpointsRoundTrip(backend: StoreBackend) async throws {
        let store = try await backend.open(try await backend.location())
        let study = try await store.createOrOpen(definition(trials: 1))
        let trial = try #require(try await store.claim(study, worker: me, staleAfter: 60, propose: propose).newTrial)
        let directory = try temporaryDirectory()
        var checkpoints: [Checkpoint] = []
        for (step, finite, evaluation) in [(10, true, 1.5), (20, false, 1.0), (30, true, Double.nan), (40, true, 0.75)] {
            let path = "\(directory)/c\(step)"
            _ = FileManager.default.createFile(atPath: path, contents: Data("\(step)".utf8))
            checkpoints.append(Checkpoint(generation: 0, step: step, path: path, sha256: "d\(step)", weightsFinite: finite,
                                          evaluation: evaluation, aligned: step >= 30))
        }
        try await store.report(trial, in: study, generation: 0, checkpoints: checkpoints)
        let read = try await store.checkpoints(of: trial)
        #expect(read.map(\.step) == [40, 30, 20, 10], "newest first")
        #expect(read.filter(\.good).map(\.step) == [40, 10], "not-finite weights and a NaN evaluation are not good")
        #expect(read.first?.sha256 == "d40" && read.first?.evaluation == 0.75 && read.first?.aligned == true)
        try FileManager.default.removeItem(atPath: "\(directory)/c40")
        #expect(try await store.checkpoints(of: trial).map(\.step) == [30, 20, 10], "a checkpoint whose file is gone is not offered")
    }

    @Test("a finished trial's result is never overwritten; events keep their order", arguments: StoreBackend.all)
    func finishedIsFinal(backend: StoreBackend) async throws {
        let store = try await backend.open(try await backend.location())
        let study = try await store.createOrOpen(definition(trials: 1))
        let trial = try #require(try await store.claim(study, worker: me, staleAfter: 60, propose: propose).newTrial)
        let events = (0..<5).map { StoredEvent(generation: 0, at: StoreTime.text(Date(timeIntervalSince1970: Double($0))), kind: "k\($0)", detail: "d\($0)") }
        try await store.report(trial, in: study, generation: 0, values: [(10, 2)], events: Array(events.prefix(3)))
        try await store.finish(trial, in: study, generation: 0, state: .complete, value: 2, outcome: .supervised(.completed(.converged)),
                               summaryJSON: "{}", events: Array(events.suffix(2)))
        await #expect(throws: StudyStoreError.self) {
            try await store.finish(trial, in: study, generation: 0, state: .failed, value: nil, outcome: .supervised(.failed(.crash)), summaryJSON: nil)
        }
        await #expect(throws: StudyStoreError.self) { try await store.report(trial, in: study, generation: 0, values: [(20, 1)]) }
        let read = try await store.trial(0, of: study)
        #expect(read.state == .complete && read.value == 2 && read.outcome == .supervised(.completed(.converged)) && read.intermediate == [10: 2])
        #expect(try await store.events(of: read).map(\.kind) == ["k0", "k1", "k2", "k3", "k4"])
        #expect(try await store.claim(study, worker: me, staleAfter: 60, propose: propose) == .done)
    }

    @Test("stores opened at once on one new location all see one study", arguments: StoreBackend.all)
    func concurrentOpen(backend: StoreBackend) async throws {
        let location = try await backend.location("shared")
        let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<6 { group.addTask { try await backend.open(location).createOrOpen(definition()).id } }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
        #expect(try await backend.open(location, readOnly: true).integrityCheck() == "ok")
    }
}

/// Stored outcome codes: every supervised outcome and told state reads back as itself.
@Suite("Stored outcome codes")
struct StoredOutcomeTests {
    @Test("every outcome's code reads back as itself; an unknown code reads as nothing")
    func codes() {
        var all: [StoredOutcome] = TrialOutcome.CompletionReason.allCases.map { .supervised(.completed($0)) }
            + FailureCause.allCases.map { .supervised(.failed($0)) } + [.supervised(.pruned), .supervised(.escalated)]
        all += [TrialState.complete, .pruned, .failed].map { .told($0) }
        for outcome in all { #expect(StoredOutcome(rawValue: outcome.rawValue) == outcome, "\(outcome.rawValue)") }
        #expect(StoredOutcome(rawValue: "completed.someday") == nil && StoredOutcome(rawValue: "told.maybe") == nil)
        #expect(StoredOutcome.supervised(.failed(.attentionCollapse)).words == "failed: attention collapse")
    }
}
