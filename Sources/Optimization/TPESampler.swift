import Randomness

/// The Tree-structured Parzen Estimator with the semantics of Optuna's `TPESampler`.
///
/// After `startupTrials` random trials, the trials so far are split into the best γ(n)
/// ("below") and the rest ("above"); a Parzen estimator of each group gives l(x) and g(x);
/// `candidates` points drawn from l are scored by log l(x) − log g(x) and the best is proposed.
/// - Univariate (default) models each parameter alone; multivariate models them jointly.
/// - Constant liar: trials still running count as "above" (as if they will be bad), so
///   parallel workers do not all propose the same point.
/// - Failed trials (crashes that exhausted their restarts, out of memory) are constraint
///   violations: they rank after every complete and pruned trial, so their region sits in g(x)
///   and is avoided rather than proposed again.
/// - Pruned trials rank after complete ones, deeper-reaching and better ones first.
///
/// Values are minimised. Deterministic: the proposal for trial `number` depends only on the
/// seed, the number and the history.
public struct TPESampler: Sampler {
    /// The study's seed.
    public let seed: UInt64
    /// Random trials before the model is used.
    public let startupTrials: Int
    /// Points drawn from l(x) per proposal.
    public let candidates: Int
    /// Model the parameters jointly.
    public let multivariate: Bool
    /// Count running trials as bad.
    public let constantLiar: Bool
    /// Weight of the prior kernel.
    public let priorWeight: Double

    /// Creates a TPE sampler with Optuna's defaults.
    public init(seed: UInt64, startupTrials: Int = 10, candidates: Int = 24, multivariate: Bool = false,
                constantLiar: Bool = false, priorWeight: Double = 1) {
        self.seed = seed
        self.startupTrials = max(0, startupTrials)
        self.candidates = max(1, candidates)
        self.multivariate = multivariate
        self.constantLiar = constantLiar
        self.priorWeight = max(0, priorWeight)
    }

    /// γ(n): how many trials count as good, min(⌈n/10⌉, 25).
    public static func gamma(_ n: Int) -> Int { min((n + 9) / 10, 25) }

    /// The weights of n kernels in trial order: flat below 25, else a ramp from 1/n for the
    /// oldest up to 1, with the newest 25 at 1.
    public static func weights(_ n: Int) -> [Double] {
        guard n >= 25 else { return Array(repeating: 1, count: n) }
        let ramp = n - 25
        let rampValues: [Double] = ramp == 1 ? [1.0 / Double(n)]
            : (0..<ramp).map { i in 1.0 / Double(n) + (1 - 1.0 / Double(n)) * Double(i) / Double(ramp - 1) }
        return rampValues + Array(repeating: 1, count: 25)
    }

    public func suggest(space: SearchSpace, number: Int, history: [TrialSnapshot]) -> [String: ParameterValue]? {
        var rng = SplitMix64(seed: seed, stream: 23, index: UInt64(number))
        let finished = history.filter { $0.state != .running && $0.number != number }
        guard finished.count >= max(1, startupTrials) else { return randomPoint(space, using: &rng) }
        let running = constantLiar ? history.filter { $0.state == .running && $0.number != number } : []
        let (below, above) = Self.split(finished: finished, running: running,
                                         belowCount: Self.gamma(finished.count + running.count))
        var proposal: [String: ParameterValue] = [:]
        let groups = multivariate ? [space.parameters] : space.parameters.map { [$0] }
        for group in groups {
            let chosen = propose(group, below: below, above: above, using: &rng)
            for (parameter, value) in zip(group, chosen) { proposal[parameter.name] = value }
        }
        return proposal
    }

    private func randomPoint(_ space: SearchSpace, using rng: inout SplitMix64) -> [String: ParameterValue] {
        var point: [String: ParameterValue] = [:]
        for parameter in space.parameters { point[parameter.name] = SearchSpace.sampleUniform(parameter.distribution, using: &rng) }
        return point
    }

    /// The best candidate for `group` by log l(x) − log g(x).
    private func propose(_ group: [SearchSpace.Parameter], below: [TrialSnapshot], above: [TrialSnapshot],
                         using rng: inout SplitMix64) -> [ParameterValue] {
        let belowColumns = Self.columns(group, of: below), aboveColumns = Self.columns(group, of: above)
        let l = ParzenEstimator(parameters: group, columns: belowColumns, weights: Self.weights(belowColumns.first?.count ?? 0), priorWeight: priorWeight)
        let g = ParzenEstimator(parameters: group, columns: aboveColumns, weights: Self.weights(aboveColumns.first?.count ?? 0), priorWeight: priorWeight)
        let points = l.sample(candidates, using: &rng)
        let scoreBelow = l.logDensity(points), scoreAbove = g.logDensity(points)
        var best = 0
        var bestScore = -Double.infinity
        for i in scoreBelow.indices {
            let score = scoreBelow[i] - scoreAbove[i]
            if score > bestScore { (best, bestScore) = (i, score) }
        }
        return points.map { $0[best] }
    }

    /// The observations of `group` in `trials`, one column per parameter: the internal
    /// coordinate of a number, the index of a choice. A trial missing a parameter of the group,
    /// or holding a value outside its distribution, is left out of every column.
    static func columns(_ group: [SearchSpace.Parameter], of trials: [TrialSnapshot]) -> [[Double]] {
        let transforms = group.map { NumericTransform($0.distribution) }
        var columns = group.map { _ in [Double]() }
        for column in columns.indices { columns[column].reserveCapacity(trials.count) }
        var row = [Double](repeating: 0, count: group.count)
        trials: for trial in trials {
            for (index, parameter) in group.enumerated() {
                guard let value = trial.parameters[parameter.name], parameter.distribution.contains(value) else { continue trials }
                if case .categorical(let choices) = parameter.distribution {
                    guard let choice = choices.firstIndex(of: value) else { continue trials }
                    row[index] = Double(choice)
                } else {
                    row[index] = transforms[index].internalValue(value)
                }
            }
            for index in row.indices { columns[index].append(row[index]) }
        }
        return columns
    }

    /// Splits finished trials into the best `belowCount` and the rest; running trials join the
    /// rest. Both groups are in trial-number order (the kernel weights ramp by age).
    static func split(finished: [TrialSnapshot], running: [TrialSnapshot], belowCount: Int) -> (below: [TrialSnapshot], above: [TrialSnapshot]) {
        // Rank by (tier, key, tie-break): complete by value; pruned by depth, then last value;
        // infeasible (failed, or complete without a value) by number. Indices are sorted, not
        // the snapshots, which would be retained and released at every swap.
        let keys: [(tier: Int, first: Double, second: Double, number: Int)] = finished.map { trial in
            switch trial.state {
            case .complete where trial.value.map({ !$0.isNaN }) ?? false:
                return (0, trial.value ?? .infinity, 0, trial.number)
            case .pruned:
                let (depth, last, _) = prunedScore(trial)
                return (1, Double(depth), last, trial.number)
            default:
                return (2, 0, 0, trial.number)
            }
        }
        var ranked = Array(finished.indices)
        keys.withUnsafeBufferPointer { keys in
            ranked.sort { a, b in
                let x = keys[a], y = keys[b]
                return (x.tier, x.first, x.second, x.number) < (y.tier, y.first, y.second, y.number)
            }
        }
        let cut = min(belowCount, ranked.count)
        let below = ranked[..<cut].sorted().map { finished[$0] }
        var above = ranked[cut...].sorted().map { finished[$0] }
        if !running.isEmpty { above = (above + running).sorted { $0.number < $1.number } }
        return (below, above)
    }

    /// Pruned trials: those that got further first, then by their last value (NaN worst).
    private static func prunedScore(_ trial: TrialSnapshot) -> (Int, Double, Int) {
        guard let last = trial.intermediate.max(by: { $0.key < $1.key }) else { return (1, 0, trial.number) }
        return (-last.key, last.value.isNaN ? .infinity : last.value, trial.number)
    }
}
