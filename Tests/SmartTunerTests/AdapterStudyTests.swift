import Foundation
import Testing

@testable import SmartTuner

/// Studies of unmodified training scripts, run and read by an adapter (docs/adapters.md).
extension StudyRunnerTests {
    /// The repository's stand-in for NVIDIA/tacotron2's train.py, printing exactly its formats.
    static let nvidiaFormatTrainer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/adapters/nvidia_format_train.py").path

    static func nvidiaStudy(directory: String, trials: Int = 2) -> String {
        """
        study:
          name: nvidia
          storage: \(directory)/study.db
          trials: \(trials)
          parallelism: 2
          seed: 7
          sampler: {type: random}
          pruner: {type: none}
        trainer:
          type: adapter
          command: [python3, \(nvidiaFormatTrainer), -o, "{checkpoint_directory}", -l, "{checkpoint_directory}/logs"]
          adapter:
            preset: nvidia
            arguments: [--hparams, "learning_rate={learning_rate},batch_size={batch_size},iters_per_checkpoint={checkpoint_interval},epochs=1000"]
          steps: 60
          validation_interval: 10
          checkpoint_interval: 10
          heartbeat_timeout: 120
          directory: \(directory)/runs
        search_space:
          learning_rate: {type: float, low: 2.4, high: 2.6}
          batch_size: {type: int, low: 16, high: 64}
        early_stop:
          patience: 0
        """
    }

    @Test("an unmodified NVIDIA-style train.py is tuned as it is: hyperparameters through --hparams, steps, validations and checkpoints read from its output, a learning rate that explodes restarted lower with -c from its own checkpoint, and the record says what it could not see")
    func nvidiaFormatStudy() async throws {
        let directory = try scratchDirectory()
        let settings = try StudyConfigurationFile.parse(Self.nvidiaStudy(directory: directory), file: "nvidia.yaml")
        try await StudyRunner(settings: settings, pollInterval: .milliseconds(50)).run()
        let store = try await openStore(settings.storage, readOnly: true)
        let trials = try await store.trials(of: try await store.study(named: "nvidia"))
        #expect(trials.map(\.state) == [.complete, .complete])
        for trial in trials {
            // The last progress stored is the last validation (step 51); the script was stopped past step 60.
            #expect(trial.lastStep == 51, "trial \(trial.number): \(trial.lastStep)")
            // Validations at the script's iterations 0, 10, … are the trial's steps 1, 11, …
            let value = try #require(trial.value, "trial \(trial.number) has a value")
            #expect(value.isFinite && value < 0.5, "trial \(trial.number): the restarted run converged (validation loss \(value))")
            let restarts = try await store.restarts(of: trial)
            #expect(restarts.map(\.cause) == [.divergence], "trial \(trial.number): \(restarts.map(\.cause))")
            let sampled = try #require(trial.parameters["learning_rate"]?.number)
            #expect(restarts.first?.changes.map(\.name) == ["learning_rate"] && restarts.first?.changes.first?.to == sampled * 0.5,
                    "\(restarts.first?.changes ?? [])")
            // It resumed with -c from the checkpoint the script wrote before the spike (checkpoint_0
            // holds the trial's step 1).
            let resumed = try #require(restarts.first?.checkpoint, "trial \(trial.number) resumed from a checkpoint")
            #expect(resumed.hasSuffix("/g0/checkpoint_0"), "\(resumed)")
            #expect(restarts.first?.kind == .cold)
            let checkpoints = try await store.checkpoints(of: trial)
            #expect(checkpoints.filter { $0.generation == 0 }.map(\.step).min() == 1, "\(checkpoints.map(\.step))")
            let resumedSteps = checkpoints.filter { $0.generation == 1 }.map(\.step).sorted()
            #expect(resumedSteps == [11, 21, 31, 41, 51], "the restart went on from step 1 to the budget: \(checkpoints.map { ($0.generation, $0.step) })")
            #expect(checkpoints.allSatisfy { $0.sha256.count == 64 }, "the tuner computed each checkpoint's digest")
            // The record lists what the adapter could not see.
            let events = try await store.events(of: trial)
            let visibility = try #require(events.first { $0.kind == "visibility" }?.detail, "\(events.map(\.kind))")
            #expect(visibility.contains("cannot see learning rate") && visibility.contains("attention (alignment is not judged"), "\(visibility)")
            #expect(!events.contains { $0.kind.hasPrefix("trainer") && $0.detail.contains("adapter:") }, "no adapter warning: \(events.map(\.detail))")
        }
        // So does the study's report (smart-tuner status and optimize print it), once per signal.
        let report = try await StudyReport.of(try await store.study(named: "nvidia"), in: store)
        #expect(report.unseen.count == Set(report.unseen).count && !report.unseen.isEmpty, "\(report.unseen)")
        #expect(report.unseen.contains { $0.hasPrefix("attention") && $0.contains("alignment is not judged") }, "\(report.unseen)")
        #expect(report.unseen.contains { $0.hasPrefix("learning rate") }, "\(report.unseen)")
    }

    @Test("adapter settings that cannot work are refused when the study file is read, each with where and what would be valid")
    func adapterBadSettings() throws {
        let base = Self.nvidiaStudy(directory: "/tmp/unused")
        func refusal(_ from: String, _ to: String) -> String {
            let text = base.replacingOccurrences(of: from, with: to)
            #expect(text != base, "the replacement \(from) must match")
            do {
                _ = try StudyConfigurationFile.parse(text, file: "bad.yaml")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let unknown = refusal("learning_rate={learning_rate}", "learning_rate={lr}")
        #expect(unknown.contains("trainer.adapter.arguments[1]") && unknown.contains("{lr}") && unknown.contains("{learning_rate}"), "\(unknown)")
        let unclosed = refusal("batch_size={batch_size}", "batch_size={batch_size")
        #expect(unclosed.contains("trainer.adapter.arguments[1]") && unclosed.contains("a placeholder is a name"), "\(unclosed)")
        let noStep = refusal("preset: nvidia", "preset: nvidia\n    progress: {step: 'Train loss (?<iteration>\\\\d+) (?<loss>\\\\S+)'}")
        #expect(noStep.contains("trainer.adapter.progress.step") && noStep.contains("no group named 'step'"), "\(noStep)")
        let badRegex = refusal("preset: nvidia", "preset: nvidia\n    progress: {step: 'Train loss (?<step>\\\\d+'}")
        #expect(badRegex.contains("not a valid regular expression"), "\(badRegex)")
        let badPattern = refusal("preset: nvidia", "preset: nvidia\n    checkpoints: {pattern: checkpoint.pth}")
        #expect(badPattern.contains("exactly once as {step}"), "\(badPattern)")
        let badPreset = refusal("preset: nvidia", "preset: espnet")
        #expect(badPreset.contains("coqui") && badPreset.contains("nvidia"), "\(badPreset)")
        let noAdapter = refusal("type: adapter", "type: builtin")
        #expect(noAdapter.contains("only for type: command or adapter") || noAdapter.contains("only for type: adapter"), "\(noAdapter)")
        let resumeOnly = refusal("preset: nvidia", "progress: {step: '^Train loss (?<step>\\\\d+) (?<loss>\\\\S+)'}\n    resume: {arguments: [-c, '{checkpoint}']}")
        #expect(resumeOnly.contains("needs checkpoints.pattern"), "\(resumeOnly)")
        let tagsWithoutName = refusal("preset: nvidia", "preset: nvidia\n    progress: {tensorboard: {step: {tags: 'TrainIterStats/.+'}}}")
        #expect(tagsWithoutName.contains("trainer.adapter.progress.tensorboard.step.tags") && tagsWithoutName.contains("no group named 'name'"), "\(tagsWithoutName)")
        let tensorboard = base.replacingOccurrences(of: "preset: nvidia", with: "preset: nvidia\n    progress: {tensorboard: {directory: '{checkpoint_directory}/logs', validation: {tags: 'validation\\.(?<name>loss)'}}}")
        let settings = try StudyConfigurationFile.parse(tensorboard, file: "tb.yaml")
        guard case .adapted(let adapter) = settings.trainer.kind else {
            Issue.record("not an adapter")
            return
        }
        #expect(adapter.progress.tensorboard?.validation?.tags.groups == ["name"] && adapter.progress.stepLines.count == 1, "the preset's step lines stay")
    }
}

extension StudyCrashTests {
    @Test("kill -9 of the tuner while an unmodified NVIDIA-style script trains: the script does not outlive it (adapter-guard), and the re-run takes the trial over and resumes it with -c from the script's own checkpoint, nothing lost")
    func nvidiaFormatKilledTuner() async throws {
        let directory = try scratchDirectory()
        var yaml = StudyRunnerTests.nvidiaStudy(directory: directory)
        for (from, to) in [("steps: 60", "steps: 300"), ("epochs=1000", "epochs=1000,step_seconds=0.03"), ("parallelism: 2", "parallelism: 1")] {
            #expect(yaml.contains(from))
            yaml = yaml.replacingOccurrences(of: from, with: to)
        }
        let config = "\(directory)/nvidia.yaml"
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let storage = "\(directory)/study.db"
        // Killed once trial 0's restarted incarnation has checkpointed at step 101 or later; the
        // guard sees its stdin end and kills the script's process group.
        let tuner = KilledTuner(config: config, directory: directory, storage: storage, study: "nvidia")
        let killed = try await tuner.kill(ceiling: .seconds(600), poll: .milliseconds(100), orphanCeiling: .seconds(60),
                                          survivors: { Self.runningScripts(under: directory) }) { first, store in
            (try await store.checkpoints(of: first)).contains { $0.generation == 1 && $0.step >= 101 }
        }
        #expect(killed.reached, "trial 0 never checkpointed at step 101 after its restart: \(killed.log)")
        #expect(killed.survivors == 0, "the script outlived the tuner")
        let before = try #require(try await finishedTrials(storage, study: "nvidia").first)

        let rerun = try tuner.rerun()
        #expect(rerun.status == 0, "the re-run failed: \(rerun.log)")
        let store = try await openStore(storage, readOnly: true)
        let trials = try await finishedTrials(storage, study: "nvidia")
        #expect(trials.map(\.state) == [.complete, .complete], "\(trials.map { ($0.number, $0.state) })")
        let first = try #require(trials.first)
        #expect(first.interruptions == before.interruptions + 1)
        for (step, value) in before.intermediate { #expect(first.intermediate[step] == value, "step \(step)") }
        // The take-over resumed from a checkpoint the script wrote (its -c), not from scratch.
        let events = try await store.events(of: first)
        let resumed = events.filter { $0.kind == "started" }.last?.detail ?? ""
        #expect(resumed.contains("from checkpoint_"), "\(events.map(\.detail))")
        let resumedGeneration = try #require(try await store.checkpoints(of: first).map(\.generation).max())
        #expect(try await store.checkpoints(of: first).filter { $0.generation == resumedGeneration }.map(\.step).max() == 291)
        #expect(try await store.integrityCheck() == "ok")
    }

    /// How many copies of the NVIDIA stand-in run with a checkpoint directory under `directory`.
    static func runningScripts(under directory: String) -> Int {
        runningProcesses(withCommandLineHolding: ["nvidia_format_train.py", directory])
    }
}
