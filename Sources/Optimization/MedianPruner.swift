/// Whether a running trial should stop early, judged against the other trials.
public protocol Pruner: Sendable {
    /// Whether `trial` (running, reporting `intermediate` values) should be pruned at `step`.
    func shouldPrune(_ trial: TrialSnapshot, step: Int, others: [TrialSnapshot]) -> Bool
}

/// Prunes a trial whose best intermediate objective so far is worse than the median of the
/// other trials' values at the same step (Optuna's MedianPruner, minimising).
public struct MedianPruner: Pruner {
    /// Trials that must have finished before any pruning.
    public let startupTrials: Int
    /// Steps before which a trial is never pruned.
    public let warmupSteps: Int
    /// Trials that must have reported at this step for a median to count.
    public let minimumTrials: Int

    /// Creates a median pruner.
    public init(startupTrials: Int = 5, warmupSteps: Int = 0, minimumTrials: Int = 1) {
        self.startupTrials = max(0, startupTrials)
        self.warmupSteps = max(0, warmupSteps)
        self.minimumTrials = max(1, minimumTrials)
    }

    public func shouldPrune(_ trial: TrialSnapshot, step: Int, others: [TrialSnapshot]) -> Bool {
        guard step >= warmupSteps else { return false }
        let finished = others.filter { $0.state == .complete || $0.state == .pruned }
        guard finished.count >= startupTrials else { return false }
        let atStep = finished.compactMap { $0.intermediate[step] }.filter(\.isFinite).sorted()
        guard atStep.count >= minimumTrials else { return false }
        let median = atStep.count % 2 == 1 ? atStep[atStep.count / 2]
            : (atStep[atStep.count / 2 - 1] + atStep[atStep.count / 2]) / 2
        let best = trial.intermediate.filter { $0.key <= step }.values.min() ?? .infinity
        // A NaN or infinite trial is worse than any median.
        return !best.isFinite || best > median
    }
}
