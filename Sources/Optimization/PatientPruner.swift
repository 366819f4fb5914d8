/// Waits for a trial to stall before consulting another pruner (Optuna's `PatientPruner`): a
/// trial whose best of its last `patience` + 1 reports improved on its earlier best by at least
/// `minDelta` is never pruned. Without a wrapped pruner, stalling alone prunes.
public struct PatientPruner: Pruner {
    /// The pruner consulted once the trial stalls.
    public let wrapped: (any Pruner)?
    /// Reports without improvement that count as stalling.
    public let patience: Int
    /// The smallest improvement that counts.
    public let minDelta: Double

    /// Creates the pruner.
    public init(wrapping wrapped: (any Pruner)?, patience: Int, minDelta: Double = 0) {
        self.wrapped = wrapped
        self.patience = max(0, patience)
        self.minDelta = max(0, minDelta)
    }

    public func prune(_ trial: TrialSnapshot, step: Int, others: [TrialSnapshot]) -> String? {
        let values = trial.intermediate.filter { $0.key <= step }.sorted { $0.key < $1.key }.map(\.value)
        guard values.count > patience + 1 else { return nil }
        let before = values.dropLast(patience + 1).map { $0.isNaN ? Double.infinity : $0 }.min() ?? .infinity
        let after = values.suffix(patience + 1).map { $0.isNaN ? Double.infinity : $0 }.min() ?? .infinity
        guard !(after < before - minDelta) else { return nil }
        let stalled = "no improvement of \(minDelta) over \(patience + 1) reports (best before \(before), since \(after))"
        guard let wrapped else { return stalled }
        return wrapped.prune(trial, step: step, others: others).map { "\(stalled); \($0)" }
    }
}
