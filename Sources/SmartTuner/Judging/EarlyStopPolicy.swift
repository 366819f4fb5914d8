/// The early-stopping criteria of a study (DESIGN §6), each configurable or off.
public struct EarlyStopPolicy: Sendable, Hashable, Codable {
    /// Validations without an objective improvement of at least `minDelta` before the trial
    /// stops as converged; `nil` turns patience off.
    public var patience: Int? = 10
    /// The smallest decrease of the objective that counts as an improvement.
    public var minDelta: Double = 1e-3
    /// Divergence: a training loss above `divergenceFactor` × the mean of the previous
    /// `divergenceWindow` losses (checked once at least 3 are known).
    public var divergenceFactor: Double = 10
    /// Steps in the divergence moving average.
    public var divergenceWindow: Int = 50
    /// Gradient explosion: a gradient norm above this …
    public var gradientNormThreshold: Double = 100
    /// … for this many steps running.
    public var gradientExplosionSteps: Int = 5
    /// The step by which the trial must have aligned; `nil` turns the deadline off.
    public var alignmentDeadline: Int? = 1_000
    /// Validations past the deadline that a trial which has not aligned but is improving
    /// (focus at least the thresholds' `failedFocus`) gets to align before it fails.
    public var alignmentGraceValidations: Int = 3
    /// Consecutive unaligned validations, after alignment was reached, that count as losing it.
    public var alignmentLossValidations: Int = 2
    /// Overfitting: the validation loss worsens this many validations running while the
    /// train/validation gap grows.
    public var overfittingValidations: Int = 3

    /// The defaults.
    public init() {}
}
