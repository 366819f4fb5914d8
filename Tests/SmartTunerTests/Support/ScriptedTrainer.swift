import Foundation
import TestScratch

@testable import SmartTuner

/// A trainer whose every step, validation and checkpoint a test writes: a few microseconds a
/// step, so whole trials (with restarts) run in milliseconds and their judgement is exact.
struct ScriptedTrainer: Trainer {
    /// What one step of one generation does.
    struct Step: Sendable {
        var loss = 1.0
        var gradNorm = 1.0
        /// The attention of each validation sample at this step (when it validates).
        var attention: Attention = .diagonal
        var validationLoss = 0.5
        /// Whether a checkpoint written at this step holds finite weights (as the trainer says).
        var weightsFinite: Bool? = true
    }

    /// Validation attention of a few kinds.
    enum Attention: Sendable {
        /// Aligned: a sharp diagonal.
        case diagonal
        /// Focus ½ on the diagonal: improving, not aligned.
        case half
        /// Uniform: focus 1/N, failed.
        case uniform
        /// Given samples as they are.
        case samples([AttentionSample])
    }

    static let size = 4
    /// `(generation, step)` → what happens.
    let script: @Sendable (Int, Int) -> Step

    func train(_ request: TrainRequest, control: TrainerControl,
               emit: @escaping @Sendable (TrainingEvent) async throws -> Void) async throws {
        let start = request.resumeCheckpoint.flatMap { Int(URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent.dropFirst(5)) } ?? 0
        try FileManager.default.createDirectory(atPath: request.checkpointDirectory, withIntermediateDirectories: true)
        var step = start
        while step < request.steps, !control.stopRequested {
            step += 1
            let plan = script(request.generation, step)
            try await emit(.step(StepMetrics(step: step, losses: ["total": plan.loss], gradNorm: plan.gradNorm,
                                             learningRate: request.hyperparameters["learning_rate"] ?? 0.001, throughput: 1)))
            if step % max(1, request.validationInterval) == 0 || step == request.steps {
                try await emit(.validation(ValidationMetrics(step: step, losses: ["total": plan.validationLoss],
                                                             samples: Self.samples(plan.attention))))
            }
            if request.checkpointInterval > 0, step % request.checkpointInterval == 0 || step == request.steps {
                let path = (request.checkpointDirectory as NSString).appendingPathComponent("step-\(step).ckpt")
                try Data("g\(request.generation) step \(step)".utf8).write(to: URL(fileURLWithPath: path))
                try await emit(.checkpoint(Checkpoint(generation: request.generation, step: step, path: path,
                                                      sha256: CheckpointDigest.hex(ofFile: path) ?? "", weightsFinite: plan.weightsFinite)))
            }
        }
        try await emit(.finished(step: step))
    }

    static func samples(_ attention: Attention) -> [AttentionSample] {
        let n = size
        func matrix(_ weight: (Int, Int) -> Float) -> AttentionSample {
            AttentionSample(frames: n, tokens: n, attention: (0..<n * n).map { weight($0 / n, $0 % n) })
        }
        switch attention {
        case .diagonal: return [matrix { $0 == $1 ? 1 : 0 }]
        case .half: return [matrix { $0 == $1 ? 0.5 : 0.5 / Float(n - 1) }]
        case .uniform: return [matrix { _, _ in 1 / Float(n) }]
        case .samples(let samples): return samples
        }
    }
}

/// Fails the test (instead of hanging CI) when `body` has not returned within `seconds`: a
/// generous ceiling on the wall clock, never a measurement.
func withCeiling<T: Sendable>(seconds: Int = 120, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw Ceiling(seconds: seconds) }
        return value
    }
}

/// A test body that did not finish under its ceiling.
struct Ceiling: Error, CustomStringConvertible {
    let seconds: Int
    var description: String { "did not finish within \(seconds) s: something waits on what never comes" }
}
