import Randomness

/// The Tree-structured Parzen Estimator with the semantics of Optuna's `TPESampler`.
///
/// After `startupTrials` random trials, the trials so far are split into the best γ(n)
/// ("below") and the rest ("above"); a Parzen estimator of each group gives l(x) and g(x);
/// `candidates` points drawn from l are scored by log l(x) − log g(x) and the best is proposed.
/// - Multivariate (the default, as in Optuna 5) models the parameters jointly; univariate
///   models each alone.
/// - Constant liar: trials still running count as "above" (as if they will be bad), so
///   parallel workers do not all propose the same point. They do not count in γ(n): n is the
///   finished trials (complete, pruned, failed), as in Optuna.
/// - Failed trials (crashes that exhausted their restarts, out of memory, attention that never
///   aligned) are constraint violations, where Optuna leaves FAIL trials out of the history
///   altogether: they rank after every complete and pruned trial and count in n, so their
///   region sits in g(x) and is avoided rather than proposed again. In TTS, failures cluster
///   (too high a learning rate, guided attention off) and are the most informative trials a
///   study has; `SamplerQuality`'s failure-heavy problems show the difference.
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
    public init(seed: UInt64, startupTrials: Int = 10, candidates: Int = 24, multivariate: Bool = true,
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
        var finished: [Int] = [], running: [Int] = []
        for (index, trial) in history.enumerated() where trial.number != number {
            if trial.state != .running { finished.append(index) } else if constantLiar { running.append(index) }
        }
        guard finished.count >= max(1, startupTrials) else { return randomPoint(space, using: &rng) }
        let (below, above) = Self.split(history, finished: finished, running: running,
                                         belowCount: Self.gamma(finished.count))
        let table = ObservationTable(space.parameters, of: history, rows: below + above)
        let belowRows = 0..<below.count, aboveRows = below.count..<(below.count + above.count)
        var proposal: [String: ParameterValue] = [:]
        let groups = multivariate ? [Array(space.parameters.indices)] : space.parameters.indices.map { [$0] }
        for group in groups {
            let parameters = group.map { space.parameters[$0] }
            let chosen = propose(parameters, below: table.columns(group, rows: belowRows),
                                 above: table.columns(group, rows: aboveRows), using: &rng)
            for (parameter, value) in zip(parameters, chosen) { proposal[parameter.name] = value }
        }
        return proposal
    }

    private func randomPoint(_ space: SearchSpace, using rng: inout SplitMix64) -> [String: ParameterValue] {
        var point: [String: ParameterValue] = [:]
        for parameter in space.parameters { point[parameter.name] = SearchSpace.sampleUniform(parameter.distribution, using: &rng) }
        return point
    }

    /// The best candidate for `group` by log l(x) − log g(x), from the group's observations
    /// (column-major, as ``ObservationTable/columns(_:rows:)`` gives them) below and above the split.
    private func propose(_ group: [SearchSpace.Parameter], below: [[Double]], above: [[Double]],
                         using rng: inout SplitMix64) -> [ParameterValue] {
        let l = ParzenEstimator(parameters: group, columns: below, weights: Self.weights(below.first?.count ?? 0), priorWeight: priorWeight)
        let g = ParzenEstimator(parameters: group, columns: above, weights: Self.weights(above.first?.count ?? 0), priorWeight: priorWeight)
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

    /// Splits the finished trials (indices into `history`) into the best `belowCount` and the
    /// rest; running trials join the rest. Both groups are indices in trial-number order (the
    /// kernel weights ramp by age).
    static func split(_ history: [TrialSnapshot], finished: [Int], running: [Int], belowCount: Int) -> (below: [Int], above: [Int]) {
        // Rank by (tier, key, tie-break): complete by value; pruned by depth, then last value;
        // infeasible (failed, or complete without a value) by number.
        let keys: [(tier: Int, first: Double, second: Double, number: Int)] = finished.map { index in
            let trial = history[index]
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
        func precedes(_ a: Int, _ b: Int) -> Bool {
            let x = keys[a], y = keys[b]
            return (x.tier, x.first, x.second, x.number) < (y.tier, y.first, y.second, y.number)
        }
        // The best `belowCount` (at most 25) by selection, kept sorted: no sort of the whole history.
        let cut = min(belowCount, finished.count)
        var best: [Int] = []
        best.reserveCapacity(cut + 1)
        for position in finished.indices where cut > 0 {
            if best.count == cut {
                guard let worst = best.last, precedes(position, worst) else { continue }
                best.removeLast()
            }
            best.insert(position, at: best.firstIndex { precedes(position, $0) } ?? best.count)
        }
        var isBelow = [Bool](repeating: false, count: finished.count)
        for position in best { isBelow[position] = true }
        var below: [Int] = [], above: [Int] = []
        below.reserveCapacity(cut)
        above.reserveCapacity(finished.count - cut + running.count)
        for (position, index) in finished.enumerated() {
            if isBelow[position] { below.append(index) } else { above.append(index) }
        }
        above += running
        func byNumber(_ indices: inout [Int]) {
            let inOrder = zip(indices, indices.dropFirst()).allSatisfy { (history[$0].number, $0) < (history[$1].number, $1) }
            if !inOrder { indices.sort { (history[$0].number, $0) < (history[$1].number, $1) } }
        }
        byNumber(&below)
        byNumber(&above)
        return (below, above)
    }

    /// Pruned trials: those that got further first, then by their last value (NaN worst).
    private static func prunedScore(_ trial: TrialSnapshot) -> (Int, Double, Int) {
        guard let last = trial.intermediate.max(by: { $0.key < $1.key }) else { return (1, 0, trial.number) }
        return (-last.key, last.value.isNaN ? .infinity : last.value, trial.number)
    }
}
