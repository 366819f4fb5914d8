import Foundation
import Testing

@testable import SmartTuner

extension StudyRunnerTests {
    /// The repository's `examples/toy_trainer.py`.
    static let toyTrainer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/toy_trainer.py").path

    @Test("a study drives a Python training script on the client: its trials complete, are judged by their attention (sent as .npy files, deleted once read), and a NaN in it is restarted hot from its checkpoint")
    func externalScriptStudy() async throws {
        let directory = try scratchDirectory()
        let yaml = """
            study:
              name: toy
              storage: \(directory)/study.db
              trials: 3
              parallelism: 2
              seed: 5
              sampler: {type: tpe, startup_trials: 2}
              pruner: {type: none}
            trainer:
              type: command
              command: [python3, \(Self.toyTrainer)]
              steps: 60
              validation_interval: 10
              checkpoint_interval: 10
              directory: \(directory)/runs
              faults: nan@25
            search_space:
              learning_rate: {type: float, low: 0.01, high: 0.05, log: true}
              guided_attention_weight: {type: float, low: 0.5, high: 2.0}
            early_stop:
              alignment_deadline: 0
              patience: 0
            """
        let settings = try StudyConfigurationFile.parse(yaml, file: "toy.yaml")
        try await StudyRunner(settings: settings, pollInterval: .milliseconds(50)).run()
        let store = try await openStore(settings.storage, readOnly: true)
        let trials = try await store.trials(of: try await store.study(named: "toy"))
        #expect(trials.map(\.state) == [.complete, .complete, .complete])
        for trial in trials {
            #expect(trial.lastStep == 60 && trial.value?.isFinite == true, "trial \(trial.number)")
            // The script's attention narrows towards the diagonal: judged aligned by the end.
            #expect((trial.quality["focus_rate"] ?? 0) > 0.8 && trial.quality["accuracy"] == 1, "\(trial.quality)")
            // The NaN at step 25 was a nonFinite failure: the learning rate halved (the script has
            // no grad_clip to halve), resumed from its step-20 checkpoint.
            let restarts = try await store.restarts(of: trial)
            #expect(restarts.map(\.cause) == [.nonFinite], "trial \(trial.number)")
            // The script registers on_restart: the restart continued in the same process.
            #expect(restarts.map(\.kind) == [.hot], "trial \(trial.number)")
            let changes = restarts.first?.changes ?? []
            let sampled = try #require(trial.parameters["learning_rate"]?.number)
            #expect(changes.map(\.name) == ["learning_rate"] && changes.first?.to == sampled / 2, "\(changes)")
            #expect(restarts.first?.checkpoint?.hasSuffix("/g0/checkpoint-0000020.json") == true, "\(restarts)")
            let resumedSteps = try await store.checkpoints(of: trial).filter { $0.generation == 1 }.map(\.step).sorted()
            #expect(resumedSteps == [30, 40, 50, 60], "the new incarnation went on from step 20, not from 0")
            // Every line the script wrote was a valid event: no protocol warning in the timeline.
            #expect(try await store.events(of: trial).filter { $0.kind.hasPrefix("trainer") }.map(\.detail) == [])
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: "\(directory)/runs").filter { $0.hasSuffix(".npy") }
            #expect(leftovers == [], "attention files the tuner read are deleted")
        }
    }
}
