import Foundation
import Synchronization
import Testing
import TestScratch

@testable import SmartTuner

/// `auto` as embedders run it: the library's AutoRun, in process, without signal handling.
@Suite("AutoRun in process", .serialized, .scratch)
struct AutoRunTests {
    @Test("the study runs, the best trial's parameters are trained for final_steps and registered; a second run finds the model and trains nothing",
          .timeLimit(.minutes(3)))
    func trainsAndRegistersOnce() async throws {
        let directory = try scratchDirectory()
        let yaml = drillStudy(directory: directory, trials: 2, parallelism: 1)
            .replacingOccurrences(of: "  steps: 40", with: "  steps: 40\n  final_steps: 60")
        let settings = try StudyConfigurationFile.parse(yaml, file: "drill.yaml")
        let progress = Mutex<[AutoRun.Progress]>([])
        let auto = AutoRun(settings: settings, modelName: "voice", wallClock: { Date(timeIntervalSince1970: 1_800_000_000) })
        let (report, ending) = try await auto.run(handlingSignals: false, onProgress: { event in progress.withLock { $0.append(event) } })
        #expect(report.isFinished && report.states["complete"] == 2)
        guard case .registered(let summary, let model) = ending else {
            Issue.record("the final training was not registered: \(ending)")
            return
        }
        let best = try #require(report.best)
        // Early stopping may end the final training before its budget; it completed either way.
        #expect(summary.steps > 0 && summary.steps <= 60 && summary.outcomeKind?.isCompleted == true)
        #expect(model.name == "voice" && model.version == 1 && model.trial == best.number && model.metrics["final_steps"] == 60)
        #expect(model.createdAt == StoreTime.text(Date(timeIntervalSince1970: 1_800_000_000)))
        #expect(FileManager.default.fileExists(atPath: model.checkpoint) && model.checkpoint.hasPrefix(auto.final.directory))
        let starts = progress.withLock { events in
            events.compactMap { if case .finalTrainingStarts(let trial, let steps, let resuming) = $0 { return (trial, steps, resuming) }; return nil }
        }
        #expect(starts.count == 1 && starts.first?.0 == best.number && starts.first?.1 == 60 && starts.first?.2 == nil)
        let lastStep = progress.withLock { $0.compactMap { if case .step(_, let step) = $0 { return step.step }; return nil }.last }
        #expect(lastStep == summary.steps)

        let again = try await auto.trainBest(handlingSignals: false)
        guard case .alreadyRegistered(let trial, let registered) = again else {
            Issue.record("a second run trained again: \(again)")
            return
        }
        #expect(trial == best.number && registered.version == 1 && registered.sha256 == model.sha256)
        let store = try await openStore(settings.storage, readOnly: true)
        #expect(try await store.models(named: "voice").count == 1)
    }

    @Test("the final stage of a study with no complete trial says there is nothing to train")
    func nothingToTrain() async throws {
        let directory = try scratchDirectory()
        let settings = try StudyConfigurationFile.parse(drillStudy(directory: directory, trials: 2, parallelism: 1), file: "drill.yaml")
        _ = try await StudyActor(store: try settings.storeLocation().open(), settings: settings)
        await #expect(throws: AutoRun.Failure.self) { try await AutoRun(settings: settings).trainBest(handlingSignals: false) }
        do {
            _ = try await AutoRun(settings: settings).trainBest(handlingSignals: false)
        } catch let failure as AutoRun.Failure {
            #expect(failure.description == "study drill has no complete trial, so there is nothing to train")
        }
    }
}
