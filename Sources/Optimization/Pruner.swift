/// Whether a running trial should stop early, judged against the other trials of its study.
/// Pruners are pure: everything they judge on comes in the snapshots, so any process working
/// on a study reaches the same decision. Values are minimised.
public protocol Pruner: Sendable {
    /// Why `trial` should be pruned at `step` (its newest report), or `nil` to let it run.
    func prune(_ trial: TrialSnapshot, step: Int, others: [TrialSnapshot]) -> String?
}

extension Pruner {
    /// Whether `trial` should be pruned at `step`.
    public func shouldPrune(_ trial: TrialSnapshot, step: Int, others: [TrialSnapshot]) -> Bool {
        prune(trial, step: step, others: others) != nil
    }
}

/// Never prunes.
public struct NopPruner: Pruner {
    /// Creates the pruner that never prunes.
    public init() {}

    public func prune(_ trial: TrialSnapshot, step: Int, others: [TrialSnapshot]) -> String? { nil }
}

extension TrialSnapshot {
    /// The trial's best (lowest) intermediate value up to `step`, NaN counting as worst.
    func bestIntermediate(upTo step: Int) -> Double {
        var best = Double.infinity
        var sawNaN = false
        for (at, value) in intermediate where at <= step {
            if value.isNaN { sawNaN = true } else { best = min(best, value) }
        }
        return best.isFinite || !sawNaN ? best : .nan
    }
}
