import Foundation
import Logging
import Synchronization
import Testing
import TinyTacotron
import TestScratch

@testable import SmartTuner

/// The journal that lets `auto` resume a killed final training: what it writes, what it reads
/// back, and which checkpoint it resumes from.
@Suite("Final training journal", .scratch)
struct FinalTrainingJournalTests {
    let directory = Scratch.path("final-journal")
    var path: String { directory + "/journal.jsonl" }

    /// A checkpoint file with some content, and its SHA-256.
    func checkpoint(_ name: String) throws -> (path: String, sha256: String) {
        let file = directory + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(name.utf8).write(to: URL(fileURLWithPath: file))
        return (file, try #require(CheckpointDigest.hex(ofFile: file)))
    }

    @Test("each checkpoint becomes a line with its incarnation's hyperparameters; a NaN loss is kept as missing")
    func recordsCheckpoints() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = FinalTrainingJournal(path: path, trial: 4, plannedSteps: 100, logger: TrialSupervisorTests.quiet)
        let first = try checkpoint("a"), second = try checkpoint("b")
        journal.record(.started(generation: 0, hyperparameters: ["learning_rate": 0.002], resumedFrom: nil))
        let a = Checkpoint(generation: 0, step: 10, path: first.path, sha256: first.sha256, evaluation: 1.5)
        let b = Checkpoint(generation: 1, step: 20, path: second.path, sha256: second.sha256, weightsFinite: false)
        journal.record(.checkpoint(a))
        journal.record(.started(generation: 1, hyperparameters: ["learning_rate": 0.001], resumedFrom: first.path))
        journal.record(.checkpoint(b))
        journal.record(.finished(.completed(reason: .budget, step: 20)))
        let entries = FinalTrainingJournal.entries(at: path)
        #expect(entries == [
            .init(trial: 4, plannedSteps: 100, checkpoint: a, hyperparameters: ["learning_rate": 0.002]),
            .init(trial: 4, plannedSteps: 100, checkpoint: b, hyperparameters: ["learning_rate": 0.001]),
        ])
        // One line per checkpoint, its fields at the top level (as journals written before had them).
        let line = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
        #expect(line.contains("\"step\":10") && line.contains("\"loss\":1.5") && line.contains("\"planned_steps\":100"), "\(line)")
    }

    @Test("the resume point: the newest good checkpoint short of the budget, of this trial and budget; the next generation")
    func resumePoint() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(FinalTrainingJournal.resumePoint(at: path, trial: 4, plannedSteps: 100) == (nil, 0), "no journal: start over")
        let good = try checkpoint("good"), newer = try checkpoint("newer"), last = try checkpoint("last")
        let other = try checkpoint("other"), altered = try checkpoint("altered")
        func line(trial: Int = 4, planned: Int = 100, generation: Int, step: Int, _ file: (path: String, sha256: String),
                  loss: Double? = 1, sha256: String? = nil) throws -> String {
            let entry = FinalTrainingJournal.Entry(
                trial: trial, plannedSteps: planned,
                checkpoint: Checkpoint(generation: generation, step: step, path: file.path, sha256: sha256 ?? file.sha256, evaluation: loss),
                hyperparameters: ["learning_rate": Double(step) / 1_000])
            return String(decoding: try FinalTrainingJournal.encoder.encode(entry), as: UTF8.self)
        }
        let lines = [
            try line(generation: 0, step: 30, good),
            try line(generation: 0, step: 40, newer, loss: .nan),                             // NaN evaluation
            try line(generation: 1, step: 50, altered, sha256: String(repeating: "0", count: 64)),  // digest differs
            try line(generation: 1, step: 60, (directory + "/gone", good.sha256)),           // file missing
            try line(generation: 2, step: 100, last),                                         // at the budget
            try line(trial: 5, generation: 7, step: 80, other),                               // another trial
            try line(planned: 200, generation: 8, step: 90, other),                           // another budget
            "{\"trial\": 4, \"planned_st",                                                   // cut short by a kill
            "not json at all",
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let (resume, generation) = FinalTrainingJournal.resumePoint(at: path, trial: 4, plannedSteps: 100)
        #expect(resume?.checkpoint.path == good.path && resume?.checkpoint.step == 30 && resume?.hyperparameters == ["learning_rate": 0.03])
        // A journal line written before this version (no weights_finite, an extra 'good') still reads.
        let old = #"{"trial":4,"planned_steps":100,"generation":0,"step":30,"path":"p","sha256":"s","loss":0.5,"good":true,"hyperparameters":{}}"#
        #expect(try JSONDecoder().decode(FinalTrainingJournal.Entry.self, from: Data(old.utf8)).checkpoint.evaluation == 0.5)
        #expect(generation == 3, "after this training's newest generation, 2")
        #expect(FinalTrainingJournal.resumePoint(at: path, trial: 5, plannedSteps: 100).generation == 8)
    }

    @Test("a journal that cannot be written is skipped without failing the training")
    func unwritableJournal() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("a file where the folder should be".utf8).write(to: URL(fileURLWithPath: directory + "/blocked"))
        let logs = CollectedLogs()
        let journal = FinalTrainingJournal(path: directory + "/blocked/journal.jsonl", trial: 1, plannedSteps: 10, logger: logs.logger)
        journal.record(.checkpoint(Checkpoint(step: 5, path: "/nowhere", sha256: "00", evaluation: 1)))
        // The write was tried, failed, and was reported (the training itself never hears of it).
        #expect(logs.all.contains { $0.hasPrefix("warning") && $0.contains("cannot write the final training's journal") }, "\(logs.all)")
        #expect(FinalTrainingJournal.entries(at: directory + "/blocked/journal.jsonl").isEmpty)
    }
}

/// The lock that lets one `auto` at a time train and register a study's best parameters.
@Suite("Final training lock", .scratch)
struct FinalTrainingLockTests {
    let directory = Scratch.path("final-lock")

    @Test("one holder at a time; the holder's pid is told; released when the holder goes; a waiter gets it then")
    func exclusive() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/final/auto.lock"
        var first = try FinalTrainingLock.tryAcquire(path: path).lock
        #expect(first != nil)
        let second = try FinalTrainingLock.tryAcquire(path: path)
        #expect(second.lock == nil && second.holder == getpid())
        let waited = Mutex<[Int32]>([])
        let waiter = Task {
            try await FinalTrainingLock.acquire(path: path, poll: .milliseconds(10)) { holder in waited.withLock { $0.append(holder) } }
        }
        // Wait for the waiter to have been told (the event itself; a generous ceiling), then
        // give it a few more polls to show it is told only once.
        _ = try await withCeiling { while waited.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) } }
        try await Task.sleep(for: .milliseconds(50))
        #expect(waited.withLock { $0 } == [getpid()], "told once who holds it")
        first = nil  // released
        let taken = try await waiter.value
        #expect(FileManager.default.fileExists(atPath: taken.path))
        #expect(try FinalTrainingLock.tryAcquire(path: path).lock == nil, "the waiter holds it now")
    }

    @Test("a lock file that cannot be created is a clear error")
    func unavailable() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("a file where the folder should be".utf8).write(to: URL(fileURLWithPath: directory + "/final"))
        #expect {
            _ = try FinalTrainingLock.tryAcquire(path: directory + "/final/auto.lock")
        } throws: { error in
            (error as? FinalTrainingLock.Failure)?.description.contains("cannot open the final training's lock file") == true
        }
    }
}
