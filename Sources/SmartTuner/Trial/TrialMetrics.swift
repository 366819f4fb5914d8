import Alignment
import Training

/// The figures of one step of a trial's incarnation as tracking systems show them: the names
/// are the tags MLflow and TensorBoard get (docs/tracking.md), one rule for every trainer.
public struct TrialMetrics: Sendable, Hashable {
    /// Where the figures come from.
    public enum Source: Sendable, Hashable {
        /// A training step (thinned before it is stored: `tracking.training_interval`).
        case training
        /// A validation: its losses, its alignment metrics and its objective.
        case validation
    }

    /// The incarnation.
    public let generation: Int
    /// The step.
    public let step: Int
    /// Where they come from.
    public let source: Source
    /// The figures by name.
    public let values: [String: Double]

    /// A training step's losses (`train/<component>`), gradient norm and learning rate.
    public static func training(_ metrics: StepMetrics, generation: Int) -> TrialMetrics {
        var values = Dictionary(metrics.losses.map { ("train/\($0.key)", $0.value) }) { $1 }
        values["train/grad_norm"] = metrics.gradNorm
        values["train/learning_rate"] = metrics.learningRate
        return TrialMetrics(generation: generation, step: metrics.step, source: .training, values: values)
    }

    /// A validation's losses (`validation/<component>`).
    public static func validationLosses(_ losses: [String: Double], step: Int, generation: Int) -> TrialMetrics {
        TrialMetrics(generation: generation, step: step, source: .validation,
                     values: Dictionary(losses.map { ("validation/\($0.key)", $0.value) }) { $1 })
    }

    /// A judged validation: its alignment metrics (`alignment/<DESIGN §5 name>`; none for a
    /// trainer that gives no attention) and the objective (`objective`).
    public static func judged(_ metrics: AlignmentMetrics?, objective: Double, step: Int, generation: Int) -> TrialMetrics {
        var values = Dictionary((metrics?.named ?? [:]).map { ("alignment/\($0.key)", $0.value) }) { $1 }
        values["objective"] = objective
        return TrialMetrics(generation: generation, step: step, source: .validation, values: values)
    }
}
