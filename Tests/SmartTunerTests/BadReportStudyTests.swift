import Foundation
import Testing

@testable import SmartTuner

extension StudyCommandTests {
    /// `Support/bad_report_trainer.py`: wrong attention reports, one kind per trial.
    static let badReportTrainer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/bad_report_trainer.py").path

    @Test("a command trainer's malformed, NaN and non-distribution attention end its trials as trainer faults, unchanged and not restarted, and the study finishes (through the CLI)",
          .timeLimit(.minutes(10)))
    func badReportsEndAsTrainerFaults() async throws {
        let directory = try scratchDirectory()
        let config = "\(directory)/bad.yaml"
        try """
            study:
              name: bad
              storage: \(directory)/study.db
              trials: 4
              parallelism: 2
              seed: 2
              sampler: {type: random}
              pruner: {type: none}
            trainer:
              type: command
              command: [python3, \(Self.badReportTrainer)]
              steps: 30
              validation_interval: 10
              checkpoint_interval: 10
              directory: \(directory)/runs
            search_space:
              learning_rate: {type: float, low: 0.001, high: 0.01, log: true}
            early_stop:
              alignment_deadline: 0
              patience: 0
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try runSmartTuner(["optimize", "--config", config, "--json"], in: directory, ceiling: .seconds(300))
        #expect(run.status == 0, "the study finishes: \(run.errors.suffix(600))")
        let store = try await openStore("\(directory)/study.db", readOnly: true)
        let trials = try await store.trials(of: try await store.study(named: "bad"))
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
}
