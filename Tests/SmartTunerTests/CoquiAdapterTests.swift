import Foundation
import StudyStore
import Testing
import TestScratch

@testable import SmartTuner

/// Coqui TTS's Tacotron 2, unmodified (`python -m TTS.bin.train_tts` with the configuration
/// `examples/coqui-tacotron2` keeps), under `smart-tuner optimize` with the coqui preset, on a
/// small espeak-ng corpus, with coqui-tts from the Python environment `SMART_TUNER_COQUI_PYTHON`
/// names (`scripts/test.sh` sets it to `$(scripts/coqui-env.sh)/bin/python`). Minutes of real
/// training: `scripts/test.sh` runs it on its own.
@Suite("Coqui TTS under the coqui adapter preset", .serialized, .scratch)
struct CoquiAdapterTests {
    static let repository = PyTorchExampleTests.repository

    /// The example's study file, made small; each replaced line must be in the shipped file.
    static func studyFile(directory: String, python: String, corpus: String) throws -> String {
        let replacements: [(String, String)] = [
            ("storage: runs/coqui-tacotron2.db", "storage: \(directory)/study.db"),
            ("trials: 4", "trials: 2"),
            ("command: [python3, -m, TTS.bin.train_tts, --config_path, examples/coqui-tacotron2/config.json]",
             "command: [\(python), -m, TTS.bin.train_tts, --config_path, \(repository)/examples/coqui-tacotron2/config.json, --coqpit.datasets.0.path, \(corpus)]"),
            ("steps: 200", "steps: 20"),
            ("checkpoint_interval: 25", "checkpoint_interval: 2"),
            ("directory: runs", "directory: \(directory)/runs"),
            // High enough to diverge within a few steps (Coqui has no scheduler here).
            ("learning_rate: {type: float, low: 2.0e-4, high: 3.0e-3, log: true}", "learning_rate: {type: float, low: 1.2, high: 1.8}"),
            ("learning_rate: {multiply: 0.1, min: 1.0e-6}", "learning_rate: {multiply: 0.001, min: 1.0e-6}"),
        ]
        return try smallStudyFile(shipped: "\(repository)/examples/coqui-tacotron2/study.yaml", directory: directory, replacements: replacements)
    }

    @Test("an unmodified Coqui Tacotron 2 study: a diverging learning rate is restarted lower from Coqui's own checkpoint with --restore_path, kill -9 of the tuner mid-study resumes with nothing lost and no orphan, and the record says what it could not see")
    func coquiStudy() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["SMART_TUNER_COQUI_PYTHON"],
                                  "SMART_TUNER_COQUI_PYTHON must name a Python with coqui-tts, e.g. SMART_TUNER_COQUI_PYTHON=$(scripts/coqui-env.sh)/bin/python")
        let directory = try scratchDirectory()
        let corpus = try Self.makeCorpus(in: directory)
        let config = try Self.studyFile(directory: directory, python: python, corpus: corpus)
        let storage = "\(directory)/study.db"

        // Killed once trial 0's restarted incarnation (from step 5) has validated (at step 13) and
        // checkpointed after that.
        let tuner = KilledTuner(config: config, directory: directory, storage: storage, study: "coqui-tacotron2")
        let killed = try await tuner.kill(ceiling: .seconds(2_400), poll: .seconds(1), orphanCeiling: .seconds(120),
                                          survivors: { Self.coquiProcesses(under: directory) }) { first, store in
            let checkpoints = try await store.checkpoints(of: first)
            return !first.intermediate.isEmpty && checkpoints.contains { $0.generation == 1 && $0.step >= 14 }
        }
        #expect(killed.reached, "trial 0 never checkpointed after its restart: \(killed.log)")
        #expect(killed.survivors == 0, "Coqui outlived the tuner")
        let before = try #require(try await finishedTrials(storage, study: "coqui-tacotron2").first)
        let restartsBefore = try await openStore(storage, readOnly: true).restarts(of: before)

        let rerun = try tuner.rerun()
        #expect(rerun.status == 0, "the re-run failed: \(rerun.log)")

        let store = try await openStore(storage, readOnly: true)
        let trials = try await finishedTrials(storage, study: "coqui-tacotron2")
        var timelines: [String] = []
        for trial in trials { timelines.append("trial \(trial.number): " + (try await store.events(of: trial)).map(\.detail).joined(separator: " | ")) }
        #expect(trials.map(\.state) == [.complete, .complete], "\(timelines.joined(separator: "\n"))")
        #expect(try await store.integrityCheck() == "ok")
        for trial in trials {
            // The spike (Coqui's loss jumps by two orders of magnitude) is a divergence, restarted
            // cold with the learning rate cut from the checkpoint before it.
            let restarts = try await store.restarts(of: trial)
            #expect(restarts.first?.cause == .divergence && restarts.first?.kind == .cold, "trial \(trial.number): \(restarts)")
            let sampled = try #require(trial.parameters["learning_rate"]?.number)
            #expect(restarts.first?.changes.first.map { $0.name == "learning_rate" && abs($0.to - sampled * 0.001) < 1e-12 } == true)
            let resumed = try #require(restarts.first?.checkpoint, "resumed from a Coqui checkpoint")
            #expect(resumed.hasSuffix(".pth") && resumed.contains("/g0/") && resumed.contains("checkpoint_"), "\(resumed)")
            // A validation from Coqui's EVAL PERFORMANCE block gave the value.
            #expect(trial.value?.isFinite == true, "trial \(trial.number): \(String(describing: trial.value))")
            let events = try await store.events(of: trial)
            let visibility = try #require(events.first { $0.kind == "visibility" }?.detail)
            #expect(visibility.contains("sees training loss, gradient norm, learning rate, validation loss, focus rate, checkpoints"), "\(visibility)")
            #expect(visibility.contains("cannot see attention (alignment is judged by the focus rate alone"), "\(visibility)")
            // Judged by Coqui's align_error: the focus rate is 1 − it, and nothing else is made up.
            let focus = try #require(trial.quality["focus_rate"], "\(trial.quality)")
            #expect(focus > 0 && focus < 1 && trial.quality["missing_tokens"] == nil && trial.quality["back_jump_rate"] == nil, "\(trial.quality)")
            // The learning rate reached Coqui's optimizer (it prints it back): no warning says otherwise.
            #expect(!events.contains { $0.detail.contains("did not reach its optimizer") }, "\(events.map(\.detail))")
        }
        // Nothing the killed run recorded was lost; trial 0 was taken over and resumed from a
        // checkpoint its restarted incarnation had written, not from scratch.
        let first = try #require(trials.first)
        #expect(first.interruptions == before.interruptions + 1)
        for (step, value) in before.intermediate { #expect(first.intermediate[step] == value, "step \(step)") }
        #expect(Array(try await store.restarts(of: first).prefix(restartsBefore.count)).map(\.evidence) == restartsBefore.map(\.evidence))
        let starts = try await store.events(of: first).filter { $0.kind == "started" }.map(\.detail)
        #expect(starts.last?.contains("from checkpoint_") == true, "\(starts)")
    }

    /// A 40-utterance espeak-ng corpus in `directory`/corpus, 8 held out: an epoch is 8 steps of
    /// batch 4, and Coqui evaluates at each epoch's end.
    static func makeCorpus(in directory: String) throws -> String {
        let corpus = "\(directory)/corpus"
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "\(repository)/scripts/make-speech-corpus.sh")
        make.arguments = ["--out", corpus, "--size", "40"]
        try make.run()
        make.waitForExit()
        #expect(make.terminationStatus == 0)
        return corpus
    }

    /// Coqui trainer processes with a checkpoint directory under `directory`.
    static func coquiProcesses(under directory: String) -> Int {
        runningProcesses(withCommandLineHolding: ["TTS.bin.train_tts", directory])
    }
}
