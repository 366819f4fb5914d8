import Foundation
import Synchronization
import Testing

@testable import SmartTuner

@Suite("Training run")
struct TrainingRunTests {
    private func smallTrainer() throws -> TacotronTrainer {
        var corpus = CorpusConfiguration()
        corpus.vocabularySize = 8
        corpus.melChannels = 4
        corpus.minTokens = 3
        corpus.maxTokens = 5
        corpus.maxDuration = 3
        corpus.trainingUtterances = 16
        corpus.validationUtterances = 4
        let hyperparameters = try TacotronHyperparameters([
            "encoder_size": 8, "prenet_size": 8, "decoder_size": 8, "attention_size": 4, "batch_size": 4,
        ])
        return try TacotronTrainer(corpus: corpus, hyperparameters: hyperparameters)
    }

    @Test("it validates and checkpoints on schedule and reports alignment with the DESIGN metric names")
    func schedule() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var schedule = TrainingRun.Schedule()
        schedule.steps = 20
        schedule.validationInterval = 5
        schedule.checkpointInterval = 10
        schedule.checkpointDirectory = directory
        var steps = 0, validations: [Int] = [], checkpoints: [Int] = []
        let summary = try TrainingRun(schedule: schedule).run(try smallTrainer()) { event in
            switch event {
            case .step: steps += 1
            case .validation(let report, _): validations.append(report.step)
            case .checkpoint(let report): checkpoints.append(report.step)
            }
        }
        #expect(steps == 20 && validations == [5, 10, 15, 20] && checkpoints == [10, 20])
        #expect(summary.steps == 20)
        let checkpoint = try #require(summary.checkpoint)
        #expect(FileManager.default.fileExists(atPath: checkpoint.path + ".sha256"))
        #expect(checkpoint.heatmapPath.map { FileManager.default.fileExists(atPath: $0) } == true)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(summary)) as? [String: Any]
        let alignment = json?["alignment"] as? [String: Any]
        #expect(alignment?["focus_rate"] != nil && alignment?["missing_tokens"] != nil && alignment?["stop_error"] != nil)
    }

    @Test("cancellation stops it within a step, with a final checkpoint of where it stopped")
    func cancellation() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var schedule = TrainingRun.Schedule()
        schedule.steps = 1_000_000
        schedule.validationInterval = 1_000_000
        schedule.checkpointInterval = 0
        schedule.checkpointDirectory = directory
        let trainer = try smallTrainer()
        let stepsSeen = Mutex(0)
        let started = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let run = Task {
            try TrainingRun(schedule: schedule).run(trainer) { event in
                guard case .step(let report) = event else { return }
                stepsSeen.withLock { $0 = report.step }
                if report.step == 10 { started.withLock { $0?.resume(); $0 = nil } }
            }
        }
        await withCheckedContinuation { continuation in
            let resumeNow = started.withLock { slot -> Bool in
                if stepsSeen.withLock({ $0 }) >= 10 { return true }
                slot = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        run.cancel()
        let summary = try await run.value
        let cancelledAt = stepsSeen.withLock { $0 }
        #expect(summary.steps == cancelledAt, "no step after the one in progress")
        #expect(summary.steps < 1_000_000)
        #expect(summary.checkpoint?.step == summary.steps)
    }
}
