import Foundation
import StudyStore
import Testing
import TestScratch

@testable import SmartTuner

/// The PyTorch Tacotron 2 example (`examples/pytorch-tacotron2`) under `smart-tuner optimize`, on
/// the espeak-ng corpus, with torch from the Python environment `SMART_TUNER_PYTHON` names
/// (`scripts/test.sh` sets it to `$(scripts/python-env.sh)/bin/python`). Minutes of real training:
/// `scripts/test.sh` runs it on its own, after the other suites.
@Suite("The PyTorch Tacotron 2 example under smart-tuner optimize", .serialized, .scratch)
struct PyTorchExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The example's own study file, made small: its storage in `directory`, the environment's
    /// Python, two trials without pruning, batch 16 and the part of the search space where it was seen to align, the
    /// given number of steps, and a NaN injected at step 70 of every trial's first incarnation.
    /// Each replaced line must be in the shipped file, so that the test follows the example.
    static func studyFile(directory: String, python: String, steps: Int) throws -> String {
        let replacements: [(String, String)] = [
            ("storage: runs/pytorch-tacotron2.db", "storage: \(directory)/study.db"),
            ("trials: 4", "trials: 2"),
            ("pruner: {type: median, startup_trials: 1, warmup_steps: 100}", "pruner: {type: none}"),
            ("command: [python3, examples/pytorch-tacotron2/train.py, --threads, \"2\"]",
             "command: [\(python), \(repository)/examples/pytorch-tacotron2/train.py, --threads, \"2\", --corpus, \(repository)/data/espeak-corpus]"),
            ("steps: 300", "steps: \(steps)\n  faults: nan@70"),
            ("directory: runs", "directory: \(directory)/runs"),
            ("learning_rate: {type: float, low: 0.001, high: 0.004, log: true}", "learning_rate: {type: float, low: 0.0025, high: 0.0035, log: true}"),
            ("  batch_size: {type: int, low: 8, high: 24, step: 8}\n", ""),
            ("    grad_clip: 1.0\n", "    grad_clip: 1.0\n    batch_size: 16\n"),
            ("guided_attention_weight: {type: float, low: 5.0, high: 25.0}", "guided_attention_weight: {type: float, low: 18.0, high: 22.0}"),
        ]
        return try smallStudyFile(shipped: "\(repository)/examples/pytorch-tacotron2/study.yaml", directory: directory, replacements: replacements)
    }

    @Test("a short study: trials align on held-out sentences (focus ≥ 0.7), the injected NaN is restarted hot, and kill -9 of the tuner mid-study resumes with nothing lost")
    func studyOfTheExample() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["SMART_TUNER_PYTHON"],
                                  "SMART_TUNER_PYTHON must name a Python with torch, e.g. SMART_TUNER_PYTHON=$(scripts/python-env.sh)/bin/python")
        let steps = 250
        let directory = try scratchDirectory()
        let config = try Self.studyFile(directory: directory, python: python, steps: steps)
        let storage = "\(directory)/study.db"

        // Killed once trial 0 has restarted hot after its NaN and checkpointed at step 100 of
        // its second incarnation; a ceiling fails the test instead of waiting forever.
        let tuner = KilledTuner(config: config, directory: directory, storage: storage, study: "pytorch-tacotron2")
        let killedRun = try await tuner.kill(ceiling: .seconds(2_400), poll: .seconds(1), orphanCeiling: .seconds(60),
                                          survivors: { Self.exampleProcesses() }) { first, store in
            (try await store.checkpoints(of: first)).contains { $0.generation == 1 && $0.step >= 100 }
        }
        #expect(killedRun.reached, "trial 0 never reached a step-100 checkpoint after a restart: \(killedRun.log)")
        #expect(killedRun.survivors == 0, "the example outlived the tuner (its stdin ended)")
        let beforeKill = try await finishedTrials(storage, study: "pytorch-tacotron2")
        let restartsBeforeKill = try await openStore(storage, readOnly: true).restarts(of: try #require(beforeKill.first))

        let rerun = try tuner.rerun()
        #expect(rerun.status == 0, "the re-run failed: \(rerun.log)")

        let store = try await openStore(storage, readOnly: true)
        let trials = try await finishedTrials(storage, study: "pytorch-tacotron2")
        #expect(trials.map(\.number) == [0, 1] && trials.allSatisfy { $0.state == .complete && $0.lastStep == steps },
                "\(trials.map { "trial \($0.number): \($0.state.map(\.rawValue) ?? "?") at \($0.lastStep)" })")
        #expect(try await store.integrityCheck() == "ok")
        for trial in trials {
            // Aligned on the held-out sentences at the last validation.
            let focus = trial.quality["focus_rate"] ?? 0
            #expect(focus >= 0.7, "trial \(trial.number): focus \(focus) at step \(trial.lastStep), \(trial.quality)")
            // The NaN at step 70 was restarted in the same process, from the step-50 checkpoint.
            let restarts = try await store.restarts(of: trial)
            #expect(restarts.first?.cause == .nonFinite && restarts.first?.kind == .hot, "trial \(trial.number): \(restarts)")
            #expect(restarts.first?.checkpoint?.hasSuffix("checkpoint-0000050.pt") == true, "\(restarts.map(\.checkpoint))")
            #expect(try await store.events(of: trial).filter { $0.kind.hasPrefix("trainer") }.map(\.detail) == [],
                    "every line the example wrote was a valid event")
        }
        // Nothing the killed run had recorded was lost: trial 0's values and restart are still
        // there, and it was taken over and resumed, not started again.
        let first = try #require(trials.first), killed = try #require(beforeKill.first)
        #expect(first.interruptions == killed.interruptions + 1)
        for (step, value) in killed.intermediate { #expect(first.intermediate[step] == value, "step \(step)") }
        let restartsAfter = try await store.restarts(of: first)
        #expect(Array(restartsAfter.prefix(restartsBeforeKill.count)).map(\.evidence) == restartsBeforeKill.map(\.evidence))
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: "\(directory)/runs").filter { $0.hasSuffix(".npy") }
        #expect(leftovers == [], "attention files the tuner read are deleted")
    }

    /// Processes of this checkout's example script (the test runs on its own).
    static func exampleProcesses() -> Int {
        runningProcesses(withCommandLineHolding: ["\(repository)/examples/pytorch-tacotron2/train.py"])
    }
}
