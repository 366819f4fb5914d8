import Foundation
import Testing
import TestScratch

@testable import SmartTuner

/// Runs `smart-tuner` with `arguments` in `directory`; returns its exit status and output.
func runSmartTuner(_ arguments: [String], in directory: String, ceiling: Duration = .seconds(600)) throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: smartTunerExecutable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // A generous ceiling that fails the test instead of hanging CI: past it the command is killed.
    let pid = process.processIdentifier
    let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
    DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(ceiling.components.seconds)), execute: watchdog)
    let out = output.fileHandleForReading.readDataToEndOfFile(), err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitForExit()
    watchdog.cancel()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

@Suite("auto, monitor and train from a study, end to end through the CLI", .serialized, .scratch)
struct StudyCommandTests {
    /// Writes `drill.yaml` in `directory`: a drill study (two at once) with `trainer.final_steps`.
    func writeAutoStudy(in directory: String, trials: Int, steps: Int, finalSteps: Int) throws -> String {
        let config = "\(directory)/drill.yaml"
        try (drillStudy(directory: directory, trials: trials, parallelism: 2, steps: steps) + "\n")
            .replacingOccurrences(of: "  steps: \(steps)\n", with: "  steps: \(steps)\n  final_steps: \(finalSteps)\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test("auto optimizes, trains the best parameters for final_steps, registers the model once; a re-run registers nothing more")
    func autoRegistersOnce() async throws {
        let directory = try scratchDirectory()
        let config = try writeAutoStudy(in: directory, trials: 3, steps: 30, finalSteps: 50)
        let first = try runSmartTuner(["auto", "--config", config, "--model", "voice"], in: directory)
        #expect(first.status == 0, "\(first.errors.suffix(600))")
        #expect(first.output.contains("Registered voice v1 (candidate)"), "\(first.output.suffix(600))")
        let store = try await openStore("\(directory)/study.db", readOnly: true)
        let study = try await store.study(named: "drill")
        let best = try #require(try await store.bestTrial(of: study))
        let models = try await store.models(named: "voice")
        #expect(models.count == 1)
        let model = try #require(models.first)
        #expect(model.trial == best.number && model.stage == .candidate && model.metrics["final_steps"] == 50)
        #expect(try #require(model.metrics["steps"]) <= 50, "early stopping may end the final training sooner")
        #expect(model.checkpoint.contains("/runs/drill/final/g"))
        #expect(CheckpointDigest.verify(path: model.checkpoint, expected: model.sha256))
        #expect(model.parameters["learning_rate"] == best.hyperparameters["learning_rate"])

        let again = try runSmartTuner(["auto", "--config", config, "--model", "voice"], in: directory)
        #expect(again.status == 0 && again.output.contains("already trained and registered as voice v1"), "\(again.output.suffix(400))")
        #expect(try await openStore("\(directory)/study.db", readOnly: true).models(named: "voice").count == 1)

        // train --config starts from the best trial's hyperparameters.
        let trained = try runSmartTuner(["train", "--config", config, "--steps", "20", "--validate-every", "10",
                                         "--checkpoint-dir", "\(directory)/train", "--json"], in: directory)
        #expect(trained.status == 0, "\(trained.errors.suffix(400))")
        let summary = try JSONDecoder().decode(TrialSummary.self, from: Data(trained.output.utf8))
        #expect(summary.hyperparameters["learning_rate"] == best.hyperparameters["learning_rate"])
        #expect(summary.hyperparameters["guided_attention_weight"] == best.hyperparameters["guided_attention_weight"])

        // monitor on the finished study prints one frame and ends by itself.
        let monitor = try runSmartTuner(["monitor", "--config", config, "--interval", "0.1"], in: directory)
        #expect(monitor.status == 0)
        #expect(monitor.output.contains("3/3 finished: 3 complete") && monitor.output.contains("(done)"), "\(monitor.output)")
        #expect(monitor.output.components(separatedBy: "complete   30/30").count == 4, "\(monitor.output)")
    }

    @Test("auto killed during its final training resumes it from the journal's newest good checkpoint, then registers once")
    func autoResumesFinalTraining() async throws {
        let directory = try scratchDirectory()
        let config = try writeAutoStudy(in: directory, trials: 2, steps: 20, finalSteps: 200)
        let victim = try startSmartTuner(["auto", "--config", config, "--model", "voice"], directory: directory, tag: "killed")
        // Killed once the final training has journaled a checkpoint at step 20 or later.
        let journal = "\(directory)/runs/drill/final/journal.jsonl"
        let deadline = ContinuousClock.now + .seconds(300)
        while victim.isRunning, ContinuousClock.now < deadline, !FinalTrainingJournal.entries(at: journal).contains(where: { $0.checkpoint.step >= 20 }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(victim.isRunning, "the first run ended before its final training was killed")
        kill(victim.processIdentifier, SIGKILL)
        await victim.exited()
        let killed = FinalTrainingJournal.entries(at: journal)
        let killedGeneration = try #require(killed.map(\.checkpoint.generation).max())
        #expect(try await openStore("\(directory)/study.db", readOnly: true).models(named: "voice").isEmpty)

        let rerun = try runSmartTuner(["auto", "--config", config, "--model", "voice"], in: directory)
        #expect(rerun.status == 0, "\(rerun.errors.suffix(600))")
        #expect(rerun.output.contains("resuming the killed run from checkpoint-"), "\(rerun.output.suffix(600))")
        let models = try await openStore("\(directory)/study.db", readOnly: true).models(named: "voice")
        #expect(models.count == 1 && models.first?.metrics["final_steps"] == 200)
        #expect(models.first?.checkpoint.contains("/runs/drill/final/g\(killedGeneration + 1)/") == true, "\(models)")
        // The new generation went on from the killed run's checkpoint, not from step 0.
        let resumedFrom = try #require(killed.filter(\.checkpoint.good).map(\.checkpoint.step).max())
        let resumed = FinalTrainingJournal.entries(at: journal).filter { $0.checkpoint.generation == killedGeneration + 1 }
        #expect(resumed.map(\.checkpoint.step).min().map { $0 > resumedFrom } == true, "\(resumed.map(\.checkpoint.step)) after \(resumedFrom)")
        // Early stopping may end it before step 200; what it ended with is what was registered.
        #expect(resumed.max { $0.checkpoint.step < $1.checkpoint.step }?.checkpoint.path == models.first?.checkpoint)
    }

    @Test("two auto runs of one study at once: one trains and registers the model, the other finds it registered")
    func concurrentAutoRegistersOnce() async throws {
        let directory = try scratchDirectory()
        let config = try writeAutoStudy(in: directory, trials: 2, steps: 20, finalSteps: 60)
        let runs = try ["first", "second"].map { tag in
            try startSmartTuner(["auto", "--config", config, "--model", "voice"], directory: directory, tag: tag)
        }
        for run in runs { await run.exited() }
        let outputs = ["first", "second"].map { (try? String(contentsOfFile: "\(directory)/\($0).out", encoding: .utf8)) ?? "" }
        let errors = ["first", "second"].map { (try? String(contentsOfFile: "\(directory)/\($0).err", encoding: .utf8)) ?? "" }
        #expect(runs.allSatisfy { $0.terminationStatus == 0 }, "\(errors.map { $0.suffix(400) })")
        #expect(try await openStore("\(directory)/study.db", readOnly: true).models(named: "voice").count == 1)
        #expect(outputs.filter { $0.contains("Registered voice v1") }.count == 1, "\(outputs.map { $0.suffix(300) })")
        #expect(outputs.filter { $0.contains("already trained and registered as voice v1") }.count == 1)
    }

    @Test("monitor shows a running trial with its progress bar, step, objective and alignment, from another process, read-only")
    func monitorShowsRunningTrial() async throws {
        let directory = try scratchDirectory()
        let config = "\(directory)/drill.yaml"
        try drillStudy(directory: directory, trials: 2, parallelism: 1, steps: 40).write(toFile: config, atomically: true, encoding: .utf8)
        let settings = try StudyConfigurationFile.load(path: config)
        let store = try await openStore(settings.storage)
        let study = try await store.createOrOpen(settings.definition)
        let worker = WorkerIdentity(host: "elsewhere", pid: 4_242, processStart: "1")
        guard case .new(let trial) = try await store.claim(study, worker: worker, staleAfter: 3_600, propose: { _, _ in
            ["learning_rate": .float(0.003), "guided_attention_weight": .float(1)]
        }) else { Issue.record("no trial claimed"); return }
        try await store.report(trial, in: study, generation: 0, values: [(20, 1.25)], lastStep: 20,
                         quality: ["focus_rate": 0.61, "missing_tokens": 0.125, "back_jump_rate": 0.01, "objective": 1.25, "step": 20])
        let monitor = try runSmartTuner(["monitor", "--storage", settings.storage, "--once"], in: directory)
        #expect(monitor.status == 0, "\(monitor.errors)")
        let row = try #require(monitor.output.split(separator: "\n").first { $0.contains("running") && $0.contains("20/40") }, "\(monitor.output)")
        #expect(row.contains("[########........]   50%") && row.contains("1.25") && row.contains("0.610") && row.contains("0.125"), "\(row)")
        #expect(monitor.output.contains("0/2 finished") && !monitor.output.contains("(done)"))
    }

    @Test("bad input to auto, monitor and train gets a clear error and changes nothing")
    func badInput() async throws {
        let directory = try scratchDirectory()
        let config = "\(directory)/drill.yaml"
        try drillStudy(directory: directory, trials: 1, parallelism: 1).write(toFile: config, atomically: true, encoding: .utf8)
        let steps = try runSmartTuner(["auto", "--config", config, "--final-steps", "0"], in: directory)
        #expect(steps.status != 0 && steps.errors.contains("--final-steps must be at least 1"))
        let interval = try runSmartTuner(["monitor", "--config", config, "--interval", "0"], in: directory)
        #expect(interval.status != 0 && interval.errors.contains("--interval must be between 0.1 and 3600"))
        let missing = try runSmartTuner(["monitor", "--storage", "\(directory)/nothing.db", "--once"], in: directory)
        #expect(missing.status != 0 && missing.errors.contains("nothing.db"))
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/nothing.db"), "a read-only command must not create the file")
        let nameOnly = try runSmartTuner(["train", "--study", "drill", "--steps", "10"], in: directory)
        #expect(nameOnly.status != 0 && nameOnly.errors.contains("give --config FILE.yaml or --storage FILE.db"))
        // The study exists but has no complete trial yet.
        let store = try await openStore("\(directory)/study.db")
        _ = try await store.createOrOpen(try StudyConfigurationFile.load(path: config).definition)
        let early = try runSmartTuner(["train", "--config", config, "--steps", "10"], in: directory)
        #expect(early.status != 0 && early.errors.contains("has no complete trial yet"), "\(early.errors)")
    }
}
