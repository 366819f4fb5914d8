import Foundation
import Integrations
import Synchronization
import Testing
import TestScratch
import Tracking

@testable import SmartTuner

/// A study with a restart (trial 0: NaN at step 35, resumed from step 30) and a pruned trial
/// (trial 1: a learning rate too small, pruned at its first validation), fed to MLflow.
func prunedStudy(directory: String, mlflow: String) -> String {
    """
    study:
      name: outage
      storage: \(directory)/study.db
      trials: 3
      parallelism: 1
      seed: 3
      sampler: {type: grid}
      pruner: {type: median, startup_trials: 1, warmup_steps: 0}
    trainer:
      steps: 40
      validation_interval: 10
      checkpoint_interval: 10
      corpus: miniature
      directory: \(directory)/runs
      faults: nan@35
    search_space:
      learning_rate: {type: categorical, choices: [0.0002, 0.008, 0.004]}
    early_stop:
      alignment_deadline: 0
    tracking:
      training_interval: 5
      mlflow:
        url: \(mlflow)
        experiment: tracking-test
    """
}

@Suite("MLflow fed from a study", .scratch, .serialized, .timeLimit(.minutes(20)))
struct MLflowStudyTests {
    @Test("MLflow's client reads back the study, trial by trial: nesting, statuses, params with restarts, restart tags, every figure's history, heatmaps and the best checkpoint")
    func studyInMLflow() async throws {
        let directory = try Scratch.folder("tracking-mlflow")
        let server = try TestServer.mlflow(directory: directory)
        try await server.start()
        let settings = try StudyConfigurationFile.parse(prunedStudy(directory: directory, mlflow: server.url), file: "outage.yaml")
        try await StudyRunner(settings: settings, pollInterval: .milliseconds(50)).run()
        let store = try await StoreLocation(settings.storage).open()
        let study = try await store.study(named: "outage")
        let trials = try await store.trials(of: study)
        #expect(trials.map(\.state) == [.complete, .complete, .pruned], "the study this test needs: restarts and a pruned trial")
        #expect(try await store.restarts(of: trials[0]).count == 1)
        let runs = try readMLflow(server.url, experiment: "tracking-test")
        try await expectMirror(of: study, in: store, runs: runs)
        // The last pass left nothing to send.
        let feed = try #require(try settings.tracking.feed(study: study, store: store, environment: [:], logger: .init(label: "test")))
        let pass = await feed.pass()
        #expect(try pass["mlflow"]?.get().sent == 0)

        // A model registered from the best trial: its card goes beside the best checkpoint.
        let best = try #require(try await store.bestTrial(of: study))
        let checkpoint = try #require(try await store.checkpoints(of: best).first)
        _ = try await store.register(name: "tts", study: "outage", trial: best.number, checkpoint: checkpoint.path, sha256: checkpoint.sha256,
                                     metrics: ["objective": best.value ?? .nan], parameters: best.hyperparameters)
        #expect(try await feed.pass()["mlflow"]?.get().sent == 1)
        let card = try #require(try readMLflow(server.url, experiment: "tracking-test").first { $0.name == "trial \(best.number)" })
        #expect(card.artifactPaths.contains("model-card/tts-v1.md"))

        // Past MLflow's limits in one call: the client splits it into requests MLflow takes.
        let client = try #require(try settings.tracking.mlflow?.client(environment: [:]))
        let experimentID = try await client.experimentID(named: "tracking-test")
        let run = try await client.createRun(experimentID: experimentID, name: "limits", startTime: 1_700_000_000_000, tags: [:])
        let metrics = (0..<2_500).map { MLflowMetric(key: "m\($0 % 3)", value: $0 == 7 ? .nan : Double($0), timestamp: 1_700_000_000_000 + Int64($0), step: $0) }
        let params = Dictionary(uniqueKeysWithValues: (0..<150).map { ("p\($0)", String(repeating: "v", count: 50)) })
        let tags = Dictionary(uniqueKeysWithValues: (0..<120).map { ("t\($0)", String(repeating: "w", count: 9_000)) })
        try await client.logBatch(runID: run.id, metrics: metrics, params: params, tags: tags)
        let limits = try #require(try readMLflow(server.url, experiment: "tracking-test").first { $0.name == "limits" })
        #expect(limits.params.count == 150 && limits.metrics.values.map(\.count).reduce(0, +) == 2_500)
        #expect(limits.metrics["m1"]?.first { Int($0[0].value) == 7 }?[1].value.isNaN == true)
        await server.stop()
    }

    @Test("MLflow stopped mid-study: the study finishes all the same; started again, a replay from the study file leaves it exactly as an uninterrupted study would, and a second replay changes nothing")
    func outage() async throws {
        let directory = try Scratch.folder("tracking-outage")
        let server = try TestServer.mlflow(directory: directory)
        try await server.start()
        let settings = try StudyConfigurationFile.parse(prunedStudy(directory: directory, mlflow: server.url), file: "outage.yaml")
        let stopped = StopOnce { server.interrupt() }
        let runner = try await StudyRunner(settings: settings, pollInterval: .milliseconds(50)) { event in
            // Down as soon as the first trial has finished (its run was fed while it trained).
            if case .trialFinished(let number, _, _, _) = event, number == 0 { stopped.fire() }
        }
        try await runner.run()
        #expect(stopped.fired)
        await server.stop()
        let store = try await StoreLocation(settings.storage).open()
        let study = try await store.study(named: "outage")
        let trials = try await store.trials(of: study)
        #expect(trials.allSatisfy { $0.state != .running }, "the study finished with MLflow down")
        let delivered = try await store.deliveries(of: study, sink: "mlflow \(server.url) tracking-test")
        #expect(trials.contains { delivered[.trial(number: $0.number)]?.stateSent != $0.state?.rawValue },
                "the end of a trial after the outage could not have been sent")

        try await server.start()
        let feed = try #require(try settings.tracking.feed(study: study, store: store, environment: [:], logger: .init(label: "test")))
        let replay = await feed.pass()
        #expect(try (replay["mlflow"]?.get().sent ?? 0) > 0)
        let runs = try readMLflow(server.url, experiment: "tracking-test")
        try await expectMirror(of: study, in: store, runs: runs)
        let again = await feed.pass()
        #expect(try again["mlflow"]?.get().sent == 0)
        #expect(try readMLflow(server.url, experiment: "tracking-test") == runs)
        await server.stop()
    }
}

/// Runs its action once, from whichever thread fires first.
final class StopOnce: Sendable {
    private let state = Mutex<Bool>(false)
    private let action: @Sendable () -> Void
    init(_ action: @escaping @Sendable () -> Void) { self.action = action }
    var fired: Bool { state.withLock { $0 } }
    func fire() {
        guard state.withLock({ done in defer { done = true }; return !done }) else { return }
        action()
    }
}
