import Foundation
import Randomness
import Testing
import TestScratch

@testable import SmartTuner

/// The `smart-tuner` executable built beside the test bundle.
let smartTunerExecutable: String = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    .deletingLastPathComponent().appendingPathComponent("smart-tuner").path

/// Starts `smart-tuner optimize --config FILE --json`, its output going to files in `directory`.
func startOptimize(config: String, directory: String, tag: String) throws -> Process {
    try startSmartTuner(["optimize", "--config", config, "--json"], directory: directory, tag: tag)
}

/// Starts `smart-tuner` with `arguments`, its output going to `<tag>.out` and `<tag>.err` in `directory`.
func startSmartTuner(_ arguments: [String], directory: String, tag: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: smartTunerExecutable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
    _ = FileManager.default.createFile(atPath: "\(directory)/\(tag).out", contents: nil)
    _ = FileManager.default.createFile(atPath: "\(directory)/\(tag).err", contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: "\(directory)/\(tag).out")
    process.standardError = FileHandle(forWritingAtPath: "\(directory)/\(tag).err")
    try process.run()
    return process
}

func finishedTrials(_ storage: String, study: String = "drill") async throws -> [StoredTrial] {
    let store = try await openStore(storage, readOnly: true)
    return try await store.trials(of: try await store.study(named: study))
}

@Suite("Studies survive kill -9 and share a file across processes", .serialized, .scratch)
struct StudyCrashTests {
    @Test("SIGKILL at seeded random points, then re-running: exactly the requested trials, none repeated, the file intact (10 times)")
    func killAndResume() async throws {
        var rng = SplitMix64(seed: 20_261_125)
        var takeOvers = 0, killedMidway = 0
        for round in 0..<10 {
            let directory = try scratchDirectory()
            let config = "\(directory)/drill.yaml"
            try drillStudy(directory: directory, trials: 4, parallelism: 2, steps: 60).write(toFile: config, atomically: true, encoding: .utf8)
            let victim = try startOptimize(config: config, directory: directory, tag: "killed")
            try await Task.sleep(for: .milliseconds(200 + Int(rng.next() % 2_300)))
            if victim.isRunning { killedMidway += 1 }
            kill(victim.processIdentifier, SIGKILL)
            await victim.exited()
            let rerun = try startOptimize(config: config, directory: directory, tag: "rerun")
            await rerun.exited()
            let errors = (try? String(contentsOfFile: "\(directory)/rerun.err", encoding: .utf8)) ?? ""
            #expect(rerun.terminationStatus == 0, "round \(round): the re-run failed: \(errors.suffix(500))")
            let trials = try await finishedTrials("\(directory)/study.db")
            #expect(trials.map(\.number).sorted() == [0, 1, 2, 3], "round \(round)")
            #expect(trials.allSatisfy { $0.state == .complete }, "round \(round): \(trials.map { "\($0.number) \($0.state.map(\.rawValue) ?? "?")" })")
            #expect(try await openStore("\(directory)/study.db").integrityCheck() == "ok")
            takeOvers += trials.map(\.interruptions).reduce(0, +)
        }
        #expect(killedMidway >= 5, "the kills should mostly land while the study runs")
        #expect(takeOvers >= 3, "trials left running by the killed process are taken over and resumed (\(takeOvers))")
    }

    @Test("Ctrl-C stops gracefully: running trials checkpoint where they are and stay RUNNING; the next run resumes them to the values of an uninterrupted study")
    func interruptAndResume() async throws {
        // Slowed steps, so that the interrupt lands mid-trial; no early stop, so both runs train every step.
        func study(in directory: String) throws -> String {
            let config = "\(directory)/drill.yaml"
            try drillStudy(directory: directory, trials: 2, parallelism: 2, steps: 160)
                .replacingOccurrences(of: "  corpus: miniature", with: "  corpus: miniature\n  faults: slow@15")
                .replacingOccurrences(of: "  checkpoint_interval: 10", with: "  checkpoint_interval: 50")
                .appending("\n  patience: 0\n  overfitting_validations: 1000\n")
                .write(toFile: config, atomically: true, encoding: .utf8)
            return config
        }
        let reference = try scratchDirectory()
        let uninterrupted = try startOptimize(config: try study(in: reference), directory: reference, tag: "whole")
        await uninterrupted.exited()
        let expected = try await finishedTrials("\(reference)/study.db")
        #expect(uninterrupted.terminationStatus == 0 && expected.map(\.state) == [.complete, .complete])

        let directory = try scratchDirectory()
        let config = try study(in: directory)
        let interrupted = try startSmartTuner(["optimize", "--config", config], directory: directory, tag: "interrupted")
        // Interrupted once both trials are past their first validations and between checkpoints.
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let steps = ((try? await finishedTrials("\(directory)/study.db")) ?? []).map(\.lastStep)
            if steps.count == 2, steps.allSatisfy({ $0 >= 60 }) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(interrupted.processIdentifier, SIGINT)
        await interrupted.exited()
        let output = (try? String(contentsOfFile: "\(directory)/interrupted.out", encoding: .utf8)) ?? ""
        #expect(interrupted.terminationStatus == 0, "\(output.suffix(500))")
        #expect(output.components(separatedBy: "left running; the next run resumes it").count == 3, "\(output.suffix(500))")
        let store = try await openStore("\(directory)/study.db", readOnly: true)
        let left = try await store.trials(of: try await store.study(named: "drill"))
        #expect(left.map(\.state) == [.running, .running])
        #expect(try await store.integrityCheck() == "ok")
        for trial in left {
            // The stop checkpoints where the trial was, not only at the last 50-step interval.
            let newest = try await store.checkpoints(of: trial).map(\.step).max()
            #expect(newest == trial.lastStep && trial.lastStep < 160, "trial \(trial.number): \(String(describing: newest)) at \(trial.lastStep)")
        }

        let rerun = try startSmartTuner(["optimize", "--config", config], directory: directory, tag: "rerun")
        await rerun.exited()
        let rerunOutput = (try? String(contentsOfFile: "\(directory)/rerun.out", encoding: .utf8)) ?? ""
        #expect(rerun.terminationStatus == 0)
        #expect(rerunOutput.components(separatedBy: "taken over at generation 1 from").count == 3, "\(rerunOutput.suffix(500))")
        let resumed = try await finishedTrials("\(directory)/study.db")
        #expect(resumed.map(\.state) == [.complete, .complete] && resumed.map(\.lastStep) == [160, 160])
        // Each value is the best validation over the whole training, before and after the interrupt.
        #expect(resumed.map(\.value) == expected.map(\.value))
        #expect(resumed.map(\.intermediate) == expected.map(\.intermediate))
    }

    @Test("8 processes on one study file finish every trial, with no lock error and nothing left running")
    func eightProcesses() async throws {
        let directory = try scratchDirectory()
        let config = "\(directory)/drill.yaml"
        try drillStudy(directory: directory, trials: 16, parallelism: 1, steps: 30).write(toFile: config, atomically: true, encoding: .utf8)
        let processes = try (0..<8).map { try startOptimize(config: config, directory: directory, tag: "p\($0)") }
        for process in processes { await process.exited() }
        for index in processes.indices {
            let errors = (try? String(contentsOfFile: "\(directory)/p\(index).err", encoding: .utf8)) ?? ""
            #expect(processes[index].terminationStatus == 0, "process \(index): \(errors.suffix(500))")
            #expect(!errors.lowercased().contains("locked"), "process \(index): \(errors.suffix(500))")
        }
        let trials = try await finishedTrials("\(directory)/study.db")
        #expect(trials.map(\.number).sorted() == Array(0..<16))
        #expect(trials.allSatisfy { $0.state == .complete })
        #expect(Set(trials.compactMap(\.worker)).count >= 2, "several processes worked on the study")
        #expect(try await openStore("\(directory)/study.db").integrityCheck() == "ok")
    }
}
