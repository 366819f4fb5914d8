import Foundation
import StudyStore
import Testing
import TestScratch

@testable import SmartTuner

/// A Coqui recipe with the one-line callback of the Python client (`examples/coqui-tacotron2/
/// train.py`, `callbacks=smart_tuner.coqui.callbacks()`) under `smart-tuner optimize`: the judge
/// sees the attention itself and divergence restarts in place. Uses the Coqui environment of
/// `SMART_TUNER_COQUI_PYTHON` with the client installed in it (`scripts/test.sh` does both).
/// Minutes of real training: `scripts/test.sh` runs it on its own.
@Suite("Coqui TTS with the smart_tuner.coqui callback", .serialized, .scratch)
struct CoquiCallbackTests {
    static let repository = PyTorchExampleTests.repository

    static func studyFile(directory: String, python: String, corpus: String) throws -> String {
        let replacements: [(String, String)] = [
            ("storage: runs/coqui-tacotron2-callback.db", "storage: \(directory)/study.db"),
            ("trials: 4", "trials: 1"),
            ("command: [python3, examples/coqui-tacotron2/train.py, --coqpit.datasets.0.path, data/espeak-corpus]",
             "command: [\(python), \(repository)/examples/coqui-tacotron2/train.py, --coqpit.datasets.0.path, \(corpus)]"),
            ("steps: 200", "steps: 20"),
            ("checkpoint_interval: 25", "checkpoint_interval: 2"),
            ("directory: runs", "directory: \(directory)/runs"),
            ("learning_rate: {type: float, low: 2.0e-4, high: 3.0e-3, log: true}", "learning_rate: {type: float, low: 1.2, high: 1.8}"),
            ("learning_rate: {multiply: 0.1, min: 1.0e-6}", "learning_rate: {multiply: 0.001, min: 1.0e-6}"),
        ]
        return try smallStudyFile(shipped: "\(repository)/examples/coqui-tacotron2/study-callback.yaml", directory: directory, replacements: replacements)
    }

    @Test("a Coqui recipe with the one-line callback: hyperparameters reach training, the judge measures the attention itself, divergence is restarted hot in the same process from the checkpoint before the spike, and kill -9 of the tuner is resumed by the recipe from its checkpoint with nothing lost")
    func callbackStudy() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["SMART_TUNER_COQUI_PYTHON"],
                                  "SMART_TUNER_COQUI_PYTHON must name a Python with coqui-tts and the client, e.g. $(scripts/coqui-env.sh)/bin/python after pip install ./python")
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import smart_tuner.coqui"]
        try check.run()
        check.waitForExit()
        try #require(check.terminationStatus == 0, "the client is not installed in \(python): run \(python) -m pip install ./python")
        let directory = try scratchDirectory()
        let corpus = try CoquiAdapterTests.makeCorpus(in: directory)
        let config = try Self.studyFile(directory: directory, python: python, corpus: corpus)
        let storage = "\(directory)/study.db"
        let study = "coqui-tacotron2-callback"

        // Killed once the hot-restarted incarnation has validated (Coqui evaluates at step 8 and
        // 16) and checkpointed after its first validation; the end of its stdin ends the recipe
        // (it checkpoints, says it ended, and exits).
        let tuner = KilledTuner(config: config, directory: directory, storage: storage, study: study)
        let killed = try await tuner.kill(ceiling: .seconds(2_400), poll: .seconds(1), orphanCeiling: .seconds(180),
                                          survivors: { Self.recipeProcesses(under: directory) }) { trial, store in
            let restarts = try await store.restarts(of: trial), checkpoints = try await store.checkpoints(of: trial)
            return !restarts.isEmpty && !trial.intermediate.isEmpty && checkpoints.contains { $0.generation == 1 && $0.step >= 11 }
        }
        #expect(killed.reached, "the restarted incarnation never checkpointed: \(killed.log)")
        #expect(killed.survivors == 0, "the recipe outlived the tuner")
        let before = try #require(try await finishedTrials(storage, study: study).first)
        let restartsBefore = try await openStore(storage, readOnly: true).restarts(of: before)

        let rerun = try tuner.rerun()
        #expect(rerun.status == 0, "the re-run failed: \(rerun.log)")

        let store = try await openStore(storage, readOnly: true)
        let trial = try #require(try await finishedTrials(storage, study: study).first)
        let events = try await store.events(of: trial)
        #expect(trial.state == .complete, "\(events.map(\.detail))")
        // The spike is a divergence, restarted in the same process from the checkpoint before it,
        // with the learning rate cut.
        let restarts = try await store.restarts(of: trial)
        let hot = try #require(restarts.first, "\(events.map(\.detail))")
        #expect(hot.cause == .divergence && hot.kind == .hot, "\(restarts)")
        let sampled = try #require(trial.parameters["learning_rate"]?.number)
        #expect(hot.changes.first.map { $0.name == "learning_rate" && abs($0.to - sampled * 0.001) < 1e-12 } == true, "\(hot.changes)")
        let resumed = try #require(hot.checkpoint, "resumed from a Coqui checkpoint: \(events.map(\.detail))")
        #expect(resumed.contains("/g0/checkpoint_") && resumed.hasSuffix(".pth"), "\(resumed)")
        // The judge measured the attention: every metric, not the focus rate alone, and no
        // record of signals it could not see.
        for metric in ["focus_rate", "missing_tokens", "back_jump_rate", "coverage", "diagonality", "stop_error"] {
            #expect(trial.quality[metric]?.isFinite == true, "\(metric): \(trial.quality)")
        }
        #expect(!events.contains { $0.kind == "visibility" }, "\(events.map(\.detail))")
        #expect(trial.value?.isFinite == true)
        // Nothing the killed run recorded was lost; the take-over started the recipe again from
        // a checkpoint of the hot-restarted incarnation.
        #expect(trial.interruptions == before.interruptions + 1)
        for (step, value) in before.intermediate { #expect(trial.intermediate[step] == value, "step \(step)") }
        #expect(Array(restarts.prefix(restartsBefore.count)).map(\.evidence) == restartsBefore.map(\.evidence))
        let starts = events.filter { $0.kind == "started" }.map(\.detail)
        #expect(starts.last?.contains("from checkpoint_") == true, "\(starts)")
        let checkpoints = try await store.checkpoints(of: trial)
        let last = try #require(checkpoints.map(\.generation).max())
        #expect(last >= 2 && checkpoints.contains { $0.generation == last && $0.step == 20 }, "\(checkpoints.map { ($0.generation, $0.step) })")
        #expect(try await store.integrityCheck() == "ok")
    }

    /// Processes of the recipe reading the corpus under `directory`.
    static func recipeProcesses(under directory: String) -> Int {
        runningProcesses(withCommandLineHolding: ["coqui-tacotron2/train.py", directory])
    }
}
