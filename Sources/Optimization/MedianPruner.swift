/// Prunes a trial whose best intermediate objective so far is worse than the median of the
/// finished trials' values at the same step (Optuna's MedianPruner, minimising). A trial whose
/// values are all NaN or infinite is always pruned once past the warm-up.
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

    public func prune(_ trial: TrialSnapshot, step: Int, others: [TrialSnapshot]) -> String? {
        guard step >= warmupSteps else { return nil }
        let best = trial.bestIntermediate(upTo: step)
        if !best.isFinite { return "its intermediate values are not finite (best \(best)) at step \(step)" }
        let finished = others.filter { $0.number != trial.number && ($0.state == .complete || $0.state == .pruned) }
        guard finished.count >= startupTrials else { return nil }
        let atStep = finished.compactMap { $0.intermediate[step] }.filter(\.isFinite).sorted()
        guard atStep.count >= minimumTrials else { return nil }
        let median = atStep.count % 2 == 1 ? atStep[atStep.count / 2]
            : (atStep[atStep.count / 2 - 1] + atStep[atStep.count / 2]) / 2
        guard best > median else { return nil }
        return "best value \(best) by step \(step) is worse than the median \(median) of \(atStep.count) finished trials"
    }
}
