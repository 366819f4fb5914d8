import Alignment
import Foundation
import TinyTacotron

/// One training of the built-in model with periodic validation, alignment analysis and
/// checkpoints. (The supervised trial tree will wrap this; for now it runs on its own.)
public struct TrainingRun: Sendable {
    /// How long and how often.
    public struct Schedule: Sendable {
        /// Total optimizer steps (a resumed run continues to this step).
        public var steps: Int = 1_500
        /// Validate every this many steps (and at the end).
        public var validationInterval: Int = 100
        /// Checkpoint every this many steps (and at the end); 0 checkpoints only at the end.
        public var checkpointInterval: Int = 500
        /// Where checkpoints go; `nil` writes none.
        public var checkpointDirectory: String?
        /// Validation utterances analysed each time.
        public var validationUtterances: Int = 32

        /// Creates a schedule.
        public init() {}
    }

    /// What a run reports as it goes.
    public enum Event: Sendable {
        /// An optimizer step.
        case step(StepReport)
        /// A validation, with its alignment metrics (batch mean).
        case validation(ValidationReport, AlignmentMetrics)
        /// A checkpoint was written.
        case checkpoint(CheckpointReport)
    }

    /// How a run ended.
    public struct Summary: Sendable, Codable {
        /// Steps taken in all (including those before a resume).
        public let steps: Int
        /// The last validation's losses.
        public let validationLosses: TacotronLosses?
        /// The last validation's alignment metrics (batch mean).
        public let alignment: AlignmentMetrics?
        /// The last checkpoint.
        public let checkpoint: CheckpointReport?
        /// Mean valid frames per second over the run.
        public let framesPerSecond: Double
        /// Model size.
        public let parameters: Int
    }

    /// The schedule.
    public var schedule: Schedule

    /// Creates a run.
    public init(schedule: Schedule) { self.schedule = schedule }

    /// Trains `trainer` until the schedule's last step, reporting each event to `report`.
    /// Stops within one step when the task is cancelled (after writing a final checkpoint).
    public func run(_ trainer: TacotronTrainer, report: (Event) -> Void) throws -> Summary {
        var lastValidation: (ValidationReport, AlignmentMetrics)?
        var lastCheckpoint: CheckpointReport?
        var frameRates: [Double] = []
        while trainer.step < schedule.steps, !Task.isCancelled {
            let step = trainer.trainStep()
            frameRates.append(step.framesPerSecond)
            report(.step(step))
            let last = trainer.step == schedule.steps
            if trainer.step % max(1, schedule.validationInterval) == 0 || last {
                let validation = trainer.validate(count: schedule.validationUtterances)
                let metrics = try Self.alignment(of: validation)
                lastValidation = (validation, metrics)
                report(.validation(validation, metrics))
            }
            if let directory = schedule.checkpointDirectory,
               last || (schedule.checkpointInterval > 0 && trainer.step % schedule.checkpointInterval == 0) {
                let checkpoint = try trainer.saveCheckpoint(in: directory, heatmap: lastValidation?.0.utterances.first)
                lastCheckpoint = checkpoint
                report(.checkpoint(checkpoint))
            }
        }
        if Task.isCancelled, let directory = schedule.checkpointDirectory, lastCheckpoint?.step != trainer.step {
            let checkpoint = try trainer.saveCheckpoint(in: directory, heatmap: lastValidation?.0.utterances.first)
            lastCheckpoint = checkpoint
            report(.checkpoint(checkpoint))
        }
        let sortedRates = frameRates.sorted()
        return Summary(steps: trainer.step, validationLosses: lastValidation?.0.losses, alignment: lastValidation?.1,
                       checkpoint: lastCheckpoint,
                       framesPerSecond: sortedRates.isEmpty ? 0 : sortedRates[sortedRates.count / 2],
                       parameters: trainer.parameterCount)
    }

    /// The batch-mean alignment metrics of a validation.
    public static func alignment(of validation: ValidationReport) throws -> AlignmentMetrics {
        let each = try validation.utterances.map { utterance in
            try AlignmentAnalysis.metrics(
                AttentionMatrix(values: utterance.attention, frames: utterance.frames, tokens: utterance.tokens),
                gateLogits: utterance.gateLogits, trueAlignment: utterance.trueAlignment)
        }
        return AlignmentMetrics.mean(of: each) ?? AlignmentMetrics(
            focusRate: 0, coverage: 0, diagonality: 0, backJumpRate: 0, skipRate: 0, missingTokens: 1, entropy: 1, drift: 1)
    }
}
