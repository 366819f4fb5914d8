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

func finishedTrials(_ storage: String, study: String = "drill") throws -> [StoredTrial] {
    let store = try StudyStore(path: storage, readOnly: true)
    return try store.trials(of: try store.study(named: study))
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
            victim.waitUntilExit()
            let rerun = try startOptimize(config: config, directory: directory, tag: "rerun")
            rerun.waitUntilExit()
            let errors = (try? String(contentsOfFile: "\(directory)/rerun.err", encoding: .utf8)) ?? ""
            #expect(rerun.terminationStatus == 0, "round \(round): the re-run failed: \(errors.suffix(500))")
            let trials = try finishedTrials("\(directory)/study.db")
            #expect(trials.map(\.number).sorted() == [0, 1, 2, 3], "round \(round)")
            #expect(trials.allSatisfy { $0.state == .complete }, "round \(round): \(trials.map { "\($0.number) \($0.state.map(\.rawValue) ?? "?")" })")
            #expect(try StudyStore(path: "\(directory)/study.db").integrityCheck() == "ok")
            takeOvers += trials.map(\.interruptions).reduce(0, +)
        }
        #expect(killedMidway >= 5, "the kills should mostly land while the study runs")
        #expect(takeOvers >= 3, "trials left running by the killed process are taken over and resumed (\(takeOvers))")
    }

    @Test("8 processes on one study file finish every trial, with no lock error and nothing left running")
    func eightProcesses() async throws {
        let directory = try scratchDirectory()
        let config = "\(directory)/drill.yaml"
        try drillStudy(directory: directory, trials: 16, parallelism: 1, steps: 30).write(toFile: config, atomically: true, encoding: .utf8)
        let processes = try (0..<8).map { try startOptimize(config: config, directory: directory, tag: "p\($0)") }
        for process in processes { process.waitUntilExit() }
        for index in processes.indices {
            let errors = (try? String(contentsOfFile: "\(directory)/p\(index).err", encoding: .utf8)) ?? ""
            #expect(processes[index].terminationStatus == 0, "process \(index): \(errors.suffix(500))")
            #expect(!errors.lowercased().contains("locked"), "process \(index): \(errors.suffix(500))")
        }
        let trials = try finishedTrials("\(directory)/study.db")
        #expect(trials.map(\.number).sorted() == Array(0..<16))
        #expect(trials.allSatisfy { $0.state == .complete })
        #expect(Set(trials.compactMap(\.worker)).count >= 2, "several processes worked on the study")
        #expect(try StudyStore(path: "\(directory)/study.db").integrityCheck() == "ok")
    }
}
