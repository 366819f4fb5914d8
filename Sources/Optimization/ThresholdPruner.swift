/// Prunes a trial whose newest value is NaN or outside [lower, upper] (Optuna's
/// `ThresholdPruner`), after `warmupSteps`.
public struct ThresholdPruner: Pruner {
    /// Values below this are pruned.
    public let lower: Double
    /// Values above this are pruned.
    public let upper: Double
    /// Steps before which nothing is pruned.
    public let warmupSteps: Int

    /// Creates the pruner; infinite bounds turn a side off.
    public init(lower: Double = -.infinity, upper: Double = .infinity, warmupSteps: Int = 0) {
        self.lower = lower
        self.upper = upper
        self.warmupSteps = max(0, warmupSteps)
    }

    public func prune(_ trial: TrialSnapshot, step: Int, others: [TrialSnapshot]) -> String? {
        guard step >= warmupSteps, let value = trial.intermediate[step] else { return nil }
        if value.isNaN { return "value at step \(step) is NaN" }
        if value > upper { return "value \(value) at step \(step) is above the threshold \(upper)" }
        if value < lower { return "value \(value) at step \(step) is below the threshold \(lower)" }
        return nil
    }
}
