import Foundation
import Synchronization
import Testing
import TestScratch

@testable import SmartTuner

@Suite("The study actor's record of running trials", .scratch)
struct StudyActorTests {
    let metrics = AlignmentMetrics(focusRate: 0.9, coverage: 0.9, diagonality: 1, backJumpRate: 0, skipRate: 0,
                                   missingTokens: 0, entropy: 0.1, drift: 0)

    func claimedTrial() async throws -> (StudyActor, String, any StudyStore) {
        let directory = try Scratch.folder("study-actor")
        let settings = try StudyConfigurationFile.parse(drillStudy(directory: directory, trials: 1, parallelism: 1), file: "drill.yaml")
        let store = try await openStore(settings.storage)
        let study = try await StudyActor(store: store, settings: settings)
        guard case .new(let trial) = try await study.claim() else { throw CancellationError() }
        return (study, study.trialID(trial), store)
    }

    func quality(_ generation: Int, step: Int, objective: Double) -> TrialEvent {
        .quality(generation: generation, step: step, metrics: metrics, aligned: true, objective: objective)
    }

    @Test("a late validation of a replaced incarnation is dropped: it neither counts towards the value nor blocks later writes")
    func staleEventsDropped() async throws {
        let (study, id, store) = try await claimedTrial()
        study.record(quality(0, step: 10, objective: 0.9), trialID: id)
        study.record(.restarted(generation: 1, cause: .nonFinite, changes: [], checkpoint: nil, backoff: .zero), trialID: id)
        study.record(quality(0, step: 20, objective: 0.001), trialID: id)  // g0's, after the restart
        study.record(quality(1, step: 20, objective: 0.5), trialID: id)
        let (value, _) = try await study.finish(trialID: id, outcome: .completed(reason: .budget, step: 20), summaryJSON: nil)
        #expect(value == 0.5)
        let trial = try #require(try await store.trials(of: study.study).first)
        #expect(trial.state == .complete && trial.intermediate == [10: 0.9, 20: 0.5] && trial.generation == 1)
    }

    @Test("events recorded at once from several actors around a restart are all kept: none undoes another's update", arguments: 0..<20)
    func concurrentRecords(round: Int) async throws {
        let (study, id, store) = try await claimedTrial()
        // The judge's validations, the trainer's checkpoints and the decider's restart, at once.
        DispatchQueue.concurrentPerform(iterations: 201) { index in
            switch index {
            case 100: study.record(.restarted(generation: 1, cause: .nonFinite, changes: [], checkpoint: nil, backoff: .zero), trialID: id)
            case let i where i.isMultiple(of: 2):
                study.record(.checkpoint(Checkpoint(step: i, path: "/c\(i)", sha256: "x", evaluation: 1)), trialID: id)
            default: study.record(quality(0, step: index, objective: 1), trialID: id)
            }
        }
        study.record(quality(1, step: 100, objective: 0.25), trialID: id)
        let (value, _) = try await study.finish(trialID: id, outcome: .completed(reason: .budget, step: 100), summaryJSON: nil)
        #expect(value == 0.25 || value == 1, "round \(round)")
        let trial = try #require(try await store.trials(of: study.study).first)
        #expect(trial.state == .complete && trial.generation == 1 && trial.intermediate[100] == 0.25, "round \(round): \(trial.intermediate)")
    }
}

extension StudyActorTests {
    @Test("taking back a trial whose last checkpoint is its whole budget keeps the validations before it as its value")
    func takeBackAtBudget() async throws {
        let directory = try Scratch.folder("study-actor")
        let yaml = drillStudy(directory: directory, trials: 1, parallelism: 1)
            .replacingOccurrences(of: "  seed: 3", with: "  seed: 3\n  heartbeat_timeout: 0.05")
        let settings = try StudyConfigurationFile.parse(yaml, file: "drill.yaml")
        let store = try await openStore(settings.storage)
        let wallClock = Mutex(Date())
        let study = try await StudyActor(store: store, settings: settings, wallClock: { wallClock.withLock { $0 } })
        guard case .new(let trial) = try await study.claim() else { Issue.record("expected a new trial"); return }
        let id = study.trialID(trial)
        for step in [10, 20, 30, 40] {
            study.record(quality(0, step: step, objective: 1 / Double(step)), trialID: id)
            let path = "\(directory)/c\(step)"
            _ = FileManager.default.createFile(atPath: path, contents: Data("\(step)".utf8))
            study.record(.checkpoint(Checkpoint(step: step, path: path, sha256: "x", evaluation: 1)), trialID: id)
        }
        try await study.flush()
        let stranger = WorkerIdentity(host: "elsewhere", pid: 4_242, processStart: "0")
        guard case .resumed = try await store.claim(study.study, worker: stranger, staleAfter: 0, propose: { _, _ in nil }) else {
            Issue.record("expected the stranger's take-over"); return
        }
        // The stranger falls silent: past the heartbeat timeout on this worker's clock.
        wallClock.withLock { $0 = $0.addingTimeInterval(3_600) }
        guard case .resumed(let back, let checkpoints) = try await study.claim() else { Issue.record("expected a take-back"); return }
        #expect(back.intermediate.keys.sorted() == [10, 20, 30, 40], "\(back.intermediate)")
        #expect(checkpoints.first?.step == 40)
        study.resume(trialID: id, fromStep: checkpoints.first?.step ?? 0)
        let (value, _) = try await study.finish(trialID: id, outcome: .completed(reason: .budget, step: 0), summaryJSON: nil)
        #expect(value == 1.0 / 40)
    }
}
