/// Asynchronous successive halving (ASHA, as Optuna's `SuccessiveHalvingPruner`).
///
/// Rung k sits at step `minimumResource · reductionFactor^(minimumEarlyStoppingRate + k)`. When a
/// trial reaches a rung, its value there is compared with every trial (finished or running) that
/// reached the same rung: it goes on only if it is in the top 1/`reductionFactor` of them. While
/// fewer than `reductionFactor` trials have reached a rung, only the best so far goes on (a
/// study cannot pause a trial to wait for competitors). A trial's value at a rung is its first
/// report at or after the rung's step; NaN counts as worst.
public struct SuccessiveHalvingPruner: Pruner {
    /// Steps of the first rung's resource unit.
    public let minimumResource: Int
    /// η: the fraction 1/η of trials is promoted at each rung.
    public let reductionFactor: Int
    /// s: the first rung is at minimumResource · η^s.
    public let minimumEarlyStoppingRate: Int

    /// Creates the pruner.
    public init(minimumResource: Int = 100, reductionFactor: Int = 3, minimumEarlyStoppingRate: Int = 0) {
        self.minimumResource = max(1, minimumResource)
        self.reductionFactor = max(2, reductionFactor)
        self.minimumEarlyStoppingRate = max(0, minimumEarlyStoppingRate)
    }

    /// The steps of the rungs up to `step`.
    public func rungs(upTo step: Int) -> [Int] {
        var rungs: [Int] = []
        var resource = minimumResource
        for _ in 0..<minimumEarlyStoppingRate { resource = resource.multipliedReportingOverflow(by: reductionFactor).partialValue }
        while resource <= step, resource > 0 {
            rungs.append(resource)
            let (next, overflow) = resource.multipliedReportingOverflow(by: reductionFactor)
            if overflow { break }
            resource = next
        }
        return rungs
    }

    public func prune(_ trial: TrialSnapshot, step: Int, others: [TrialSnapshot]) -> String? {
        // Judge only at the rung this report crossed (the newest rung ≤ step not yet judged).
        guard let rung = rungs(upTo: step).last, let value = Self.value(of: trial, at: rung),
              Self.firstStep(of: trial, atOrAfter: rung) == step else { return nil }
        let competitors = others.filter { $0.number != trial.number }.compactMap { Self.value(of: $0, at: rung) }
        let all = (competitors + [value]).map { $0.isNaN ? Double.infinity : $0 }.sorted()
        let promoted = max(1, all.count / reductionFactor)
        let threshold = all[promoted - 1]
        let mine = value.isNaN ? Double.infinity : value
        guard mine > threshold || !mine.isFinite else { return nil }
        return "value \(value) at rung step \(rung) is not in the top \(promoted) of \(all.count) trials there (threshold \(threshold))"
    }

    static func firstStep(of trial: TrialSnapshot, atOrAfter rung: Int) -> Int? {
        trial.intermediate.keys.filter { $0 >= rung }.min()
    }

    static func value(of trial: TrialSnapshot, at rung: Int) -> Double? {
        firstStep(of: trial, atOrAfter: rung).flatMap { trial.intermediate[$0] }
    }
}
