import Foundation
import Testing

@testable import SmartTuner

extension StudyCommandTests {
    /// Writes a study of 4 trials over the command trainer `script` and runs `optimize` on it
    /// through the CLI; returns the study's file and its trials once it finished.
    func runScriptStudy(_ name: String, script: String, steps: Int, checkpointInterval: Int, extra: String = "")
        async throws -> (directory: String, config: String, store: any StudyStore, trials: [StoredTrial]) {
        let directory = try scratchDirectory()
        let config = "\(directory)/\(name).yaml"
        try """
            study:
              name: \(name)
              storage: \(directory)/study.db
              trials: 4
              parallelism: 2
              seed: 2
              sampler: {type: random}
              pruner: {type: none}
            trainer:
              type: command
              command: [python3, \(script)]
              steps: \(steps)
              validation_interval: 10
              checkpoint_interval: \(checkpointInterval)
              directory: \(directory)/runs
            search_space:
              learning_rate: {type: float, low: 0.001, high: 0.01, log: true}
            early_stop:
              alignment_deadline: 0
              patience: 0
            \(extra)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try runSmartTuner(["optimize", "--config", config, "--json"], in: directory, ceiling: .seconds(300))
        #expect(run.status == 0, "the study finishes: \(run.errors.suffix(600))")
        let store = try await openStore("\(directory)/study.db", readOnly: true)
        return (directory, config, store, try await store.trials(of: try await store.study(named: name)))
    }

    /// `Support/bad_report_trainer.py`: wrong attention reports, one kind per trial.
    static let badReportTrainer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/bad_report_trainer.py").path

    @Test("a command trainer's malformed, NaN and non-distribution attention end its trials as trainer faults, unchanged and not restarted, and the study finishes (through the CLI)",
          .timeLimit(.minutes(10)))
    func badReportsEndAsTrainerFaults() async throws {
        let (directory, config, store, trials) = try await runScriptStudy("bad", script: Self.badReportTrainer, steps: 30, checkpointInterval: 10)
        #expect(trials.count == 4 && trials.allSatisfy { $0.state != .running }, "\(trials.map(\.state))")
        let expected = ["attention has 45 values; 12 frames × 4 tokens needs 48", "attention weight nan at frame 1, token 3",
                        "the attention of frame 5 sums to 1.99"]
        for trial in trials {
            let events = try await store.events(of: trial)
            #expect(try await store.restarts(of: trial).isEmpty, "trial \(trial.number): no restart")
            #expect(trial.hyperparameters == trial.parameters.compactMapValues(\.number), "trial \(trial.number): no hyperparameter changed")
            let finished = events.last { $0.kind == "finished" }?.detail ?? ""
            if trial.number % 4 == 3 {
                #expect(trial.outcome == .supervised(.completed(.budget)), "trial \(trial.number): \(finished)")
            } else {
                #expect(trial.outcome == .supervised(.failed(.trainerFault)), "trial \(trial.number): \(finished)")
                #expect(finished.contains("validation at step 10, sample 0") && finished.contains(expected[trial.number % 4]),
                        "trial \(trial.number) names the step, the sample and what is wrong: \(finished)")
            }
        }
        let rows = try runSmartTuner(["trials", "--config", config], in: directory, ceiling: .seconds(60))
        #expect(rows.output.components(separatedBy: "failed: trainer fault").count == 4, "\(rows.output)")
    }

    /// `Support/bad_file_trainer.py`: version-2 reports gone wrong, one kind per trial.
    static let badFileTrainer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/bad_file_trainer.py").path

    @Test("a script on the client naming a missing attention file, a file that is not .npy, or lengths outside its batch ends as a trainer fault naming it; one that dies mid-line is a crash with the broken line on record (through the CLI)",
          .timeLimit(.minutes(10)))
    func badAttentionFiles() async throws {
        let (_, _, store, trials) = try await runScriptStudy("files", script: Self.badFileTrainer, steps: 20, checkpointInterval: 0,
                                                          extra: "restart: {max_restarts_per_trial: 1}")
        #expect(trials.count == 4 && trials.allSatisfy { $0.state == .failed }, "\(trials.map(\.state))")
        let expected = ["v10.missing.npy cannot be read", "v10.junk.npy: not a NumPy .npy file",
                        "attention.npy: length 5 frames × 2 tokens is outside the padded 3 × 2"]
        for trial in trials {
            let events = try await store.events(of: trial)
            let finished = events.last { $0.kind == "finished" }?.detail ?? ""
            if trial.number % 4 == 3 {
                #expect(trial.outcome == .supervised(.failed(.crash)), "trial \(trial.number): \(finished)")
                #expect(finished.contains("status 9"), "\(finished)")
                #expect(events.contains { $0.detail.contains("skipped a line that is not a valid event") }, "\(events.map(\.detail))")
            } else {
                #expect(trial.outcome == .supervised(.failed(.trainerFault)), "trial \(trial.number): \(finished)")
                #expect(try await store.restarts(of: trial).isEmpty)
                #expect(finished.contains("validation at step 10") && finished.contains(expected[trial.number % 4]),
                        "trial \(trial.number) names the step and the file: \(finished)")
            }
        }
    }
}
