#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Randomness

/// A mixture of product kernels over some parameters of a search space (the density l(x) or
/// g(x) of TPE), built the way Optuna's TPE builds it: one kernel per observation with a
/// bandwidth from its neighbours' distances (clipped by the "magic clip"), plus a prior kernel
/// over the whole range; truncated normals for numbers (binned for integers and stepped
/// floats, on the log scale where asked), smoothed one-hot kernels for categories.
///
/// Observations and candidates are column-major (one array per parameter) and kernels are flat
/// arrays, so that building and scoring allocate a handful of arrays, not one per trial, and
/// the kernel loops auto-vectorise.
struct ParzenEstimator {
    /// One parameter's kernels, in the parameter's internal space (log for log scales).
    enum Dimension {
        /// Truncated normals on [low, high].
        /// (`offset` is −log σ − ½ log 2π − log of the truncated mass, per kernel.)
        case continuous(low: Double, high: Double, mu: [Double], sigma: [Double], inverseSigma: [Double], offset: [Double])
        /// Truncated normals binned on a grid (a value's bin comes from its ``NumericTransform``).
        /// (`erfScale` is 1 / (σ√2), per kernel.)
        case discrete(low: Double, high: Double, mu: [Double], sigma: [Double], erfScale: [Double], logNormalizer: [Double])
        /// Smoothed one-hot kernels: kernel k puts `hit` on `choice[k]` and `miss` on every other
        /// choice; the prior kernel (choice −1) is uniform. Probabilities, not logs.
        case categorical(count: Int, choice: [Int], hit: Double, miss: Double)
    }

    let parameters: [SearchSpace.Parameter]
    private let transforms: [NumericTransform]
    /// The mixture's weights (the prior's last), summing to 1, and their logs.
    let weights: [Double]
    let logWeights: [Double]
    let cumulativeWeights: [Double]
    let dimensions: [Dimension]

    /// Builds the estimator from `columns` (per parameter, in `parameters`' order: the internal
    /// coordinate of each observation, or the index of its choice for a categorical parameter)
    /// with kernel `weights` (before the prior), and the prior's weight.
    init(parameters: [SearchSpace.Parameter], columns: [[Double]], weights: [Double], priorWeight: Double) {
        self.parameters = parameters
        transforms = parameters.map { NumericTransform($0.distribution) }
        let observations = columns.first?.count ?? 0
        var mixture = observations == 0 ? [1.0] : weights + [priorWeight]
        let total = mixture.reduce(0, +)
        var running = 0.0
        for k in mixture.indices { mixture[k] /= total }
        self.weights = mixture
        logWeights = mixture.map { $0 > 0 ? fastLog($0) : -.infinity }
        cumulativeWeights = mixture.map { running += $0; return running }
        dimensions = zip(parameters, zip(transforms, columns)).map { parameter, pair in
            Self.dimension(parameter.distribution, transform: pair.0, observations: pair.1, priorWeight: priorWeight)
        }
    }

    private static func dimension(_ distribution: Distribution, transform: NumericTransform, observations: [Double],
                                  priorWeight: Double) -> Dimension {
        if case .categorical(let choices) = distribution {
            let count = choices.count
            guard !observations.isEmpty else { return .categorical(count: count, choice: [-1], hit: 0, miss: 0) }
            // Each kernel row is priorWeight / kernels everywhere, plus 1 at its observation.
            let base = priorWeight / Double(observations.count + 1)
            let sum = base * Double(count) + 1
            return .categorical(count: count, choice: observations.map { Int($0) } + [-1], hit: (base + 1) / sum, miss: base / sum)
        }
        let (low, high) = (transform.low, transform.high)
        var mu = observations
        var sigma = Self.bandwidths(mu, low: low, high: high)
        mu.append((low + high) / 2)
        sigma.append(high - low)
        let logNormalizer = zip(mu, sigma).map { m, s in
            let (upper, lower) = ((high - m) / s, (low - m) / s)
            // Beyond 9σ of both ends the truncated mass is 1 − 2e-19, which is 1 in a double.
            guard upper < 9 || lower > -9 else { return 0.0 }
            return fastLog(max(normalCDF(upper) - normalCDF(lower), 1e-300))
        }
        guard !transform.isDiscrete else {
            return .discrete(low: low, high: high, mu: mu, sigma: sigma, erfScale: sigma.map { 0.707_106_781_186_547_5 / $0 },
                             logNormalizer: logNormalizer)
        }
        let halfLogTwoPi = 0.918_938_533_204_672_8
        return .continuous(low: low, high: high, mu: mu, sigma: sigma, inverseSigma: sigma.map { 1 / $0 },
                           offset: zip(sigma, logNormalizer).map { -fastLog($0) - halfLogTwoPi - $1 })
    }

    /// Each kernel's bandwidth: the larger distance to its sorted neighbours (the range's ends
    /// count as neighbours except for the outermost kernels), clipped to
    /// [range / min(100, kernels + 1), range].
    private static func bandwidths(_ mu: [Double], low: Double, high: Double) -> [Double] {
        guard !mu.isEmpty else { return [] }
        let order = stableOrder(mu)
        var sorted = [Double](repeating: 0, count: mu.count + 2)
        sorted[0] = low
        sorted[mu.count + 1] = high
        for (rank, index) in order.enumerated() { sorted[rank + 1] = mu[index] }
        var sortedSigma = [Double](repeating: 0, count: mu.count)
        for i in 1...mu.count { sortedSigma[i - 1] = max(sorted[i] - sorted[i - 1], sorted[i + 1] - sorted[i]) }
        if sorted.count >= 4 {
            sortedSigma[0] = sorted[2] - sorted[1]
            sortedSigma[sortedSigma.count - 1] = sorted[sorted.count - 2] - sorted[sorted.count - 3]
        }
        let range = high - low
        let minimum = range / min(100, Double(mu.count + 2))
        var sigma = [Double](repeating: 0, count: mu.count)
        for (rank, index) in order.enumerated() { sigma[index] = min(max(sortedSigma[rank], minimum), range) }
        return sigma
    }

    /// Draws `count` points, column-major: for each point a kernel by weight, then each
    /// parameter from that kernel.
    func sample(_ count: Int, using rng: inout SplitMix64) -> [[ParameterValue]] {
        var columns = parameters.map { _ in [ParameterValue]() }
        for column in columns.indices { columns[column].reserveCapacity(count) }
        for _ in 0..<count {
            let u = rng.nextUnit() * (cumulativeWeights.last ?? 1)
            let kernel = cumulativeWeights.firstIndex { u < $0 } ?? (cumulativeWeights.count - 1)
            for (index, dimension) in dimensions.enumerated() {
                columns[index].append(draw(dimension, parameter: index, kernel: kernel, using: &rng))
            }
        }
        return columns
    }

    private func draw(_ dimension: Dimension, parameter index: Int, kernel: Int, using rng: inout SplitMix64) -> ParameterValue {
        switch dimension {
        case .categorical(let count, let choice, let hit, let miss):
            guard case .categorical(let choices) = parameters[index].distribution else { return .int(0) }
            var u = rng.nextUnit()
            for c in 0..<count {
                u -= choice[kernel] < 0 ? 1 / Double(count) : (choice[kernel] == c ? hit : miss)
                if u < 0 { return choices[c] }
            }
            return choices[count - 1]
        case .continuous(let low, let high, let mu, let sigma, _, _), .discrete(let low, let high, let mu, let sigma, _, _):
            let x = Self.truncatedNormal(mu: mu[kernel], sigma: sigma[kernel], low: low, high: high, using: &rng)
            return transforms[index].externalValue(x)
        }
    }

    private static func truncatedNormal(mu: Double, sigma: Double, low: Double, high: Double, using rng: inout SplitMix64) -> Double {
        for _ in 0..<256 {
            let x = mu + sigma * rng.gaussian()
            if x >= low, x <= high { return x }
        }
        // A kernel whose mass lies almost entirely outside the range: its nearest end.
        return min(max(mu, low), high)
    }

    /// log density (or mass) under the mixture of each point of `points` (column-major, as
    /// ``sample(_:using:)`` returns them).
    ///
    /// A one-parameter mixture (every univariate TPE group) is summed directly in probability
    /// space: one exponential (or two error functions) per kernel, no logarithm, no max pass; a
    /// categorical one in closed form. The log-space sum of products serves joint mixtures, and
    /// any point whose direct sum underflows (only possible without a prior kernel).
    func logDensity(_ points: [[ParameterValue]]) -> [Double] {
        let kernels = logWeights.count
        let count = points.first?.count ?? 0
        let direct = dimensions.count == 1 ? DirectDensity(self) : nil
        var accumulator = [Double](repeating: 0, count: kernels)
        var result = [Double](repeating: 0, count: count)
        accumulator.withUnsafeMutableBufferPointer { acc in
            for i in 0..<count {
                // Integer and categorical candidates repeat often; a repeat has the same density.
                if let earlier = (0..<i).first(where: { j in points.allSatisfy { $0[j] == $0[i] } }) {
                    result[i] = result[earlier]
                    continue
                }
                if let density = direct?.density(of: points[0][i], scratch: acc), density > 0, density.isFinite {
                    result[i] = log(density)
                    continue
                }
                for k in 0..<kernels { acc[k] = logWeights[k] }
                for (index, dimension) in dimensions.enumerated() {
                    addLogDensity(of: points[index][i], dimension, parameter: index, to: acc)
                }
                result[i] = logSumExp(acc)
            }
        }
        return result
    }

    private func addLogDensity(of value: ParameterValue, _ dimension: Dimension, parameter index: Int,
                               to acc: UnsafeMutableBufferPointer<Double>) {
        switch dimension {
        case .categorical(let count, let choice, let hit, let miss):
            guard case .categorical(let choices) = parameters[index].distribution, let c = choices.firstIndex(of: value) else {
                for k in acc.indices { acc[k] = -.infinity }
                return
            }
            let (logHit, logMiss, logUniform) = (log(hit), log(miss), -log(Double(count)))
            choice.withUnsafeBufferPointer { choice in
                for k in 0..<acc.count { acc[k] += choice[k] < 0 ? logUniform : (choice[k] == c ? logHit : logMiss) }
            }
        case .continuous(_, _, let mu, _, let inverseSigma, let offset):
            let x = transforms[index].internalValue(value)
            mu.withUnsafeBufferPointer { mu in inverseSigma.withUnsafeBufferPointer { inverse in offset.withUnsafeBufferPointer { offset in
                for k in 0..<acc.count {
                    let z = (x - mu[k]) * inverse[k]
                    acc[k] += offset[k] - 0.5 * z * z
                }
            } } }
        case .discrete(let low, let high, let mu, _, let erfScale, let logNormalizer):
            let (lower, upper) = transforms[index].bin(of: value, low: low, high: high)
            mu.withUnsafeBufferPointer { mu in erfScale.withUnsafeBufferPointer { scale in logNormalizer.withUnsafeBufferPointer { norm in
                for k in 0..<acc.count {
                    let mass = 0.5 * (fastErf((upper - mu[k]) * scale[k]) - fastErf((lower - mu[k]) * scale[k]))
                    acc[k] += fastLog(max(mass, 1e-300)) - norm[k]
                }
            } } }
        }
    }
}
