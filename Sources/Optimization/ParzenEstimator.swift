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
struct ParzenEstimator {
    /// One parameter's kernels, in the parameter's internal space (log for log scales).
    enum Dimension {
        /// Truncated normals on [low, high].
        /// (`offset` is −log σ − ½ log 2π − log of the truncated mass, per kernel.)
        case continuous(low: Double, high: Double, mu: [Double], sigma: [Double], inverseSigma: [Double], offset: [Double])
        /// Truncated normals binned on a grid: `edges(x)` gives the bin of value x.
        case discrete(low: Double, high: Double, mu: [Double], sigma: [Double], logNormalizer: [Double])
        /// Log-probabilities of each choice, kernel-major (`kernels × count`).
        case categorical(count: Int, logProbability: [Double])
    }

    let parameters: [SearchSpace.Parameter]
    let logWeights: [Double]
    let cumulativeWeights: [Double]
    let dimensions: [Dimension]

    /// Builds the estimator from `observations` (one row per trial, values in `parameters`'
    /// order) with kernel `weights` (before the prior), and the prior's weight.
    init(parameters: [SearchSpace.Parameter], observations: [[ParameterValue]], weights: [Double], priorWeight: Double) {
        self.parameters = parameters
        var mixture = observations.isEmpty ? [1.0] : weights + [priorWeight]
        let total = mixture.reduce(0, +)
        mixture = mixture.map { $0 / total }
        logWeights = mixture.map { $0 > 0 ? log($0) : -.infinity }
        var running = 0.0
        cumulativeWeights = mixture.map { running += $0; return running }
        dimensions = parameters.enumerated().map { index, parameter in
            Self.dimension(parameter.distribution, observations: observations.map { $0[index] }, priorWeight: priorWeight)
        }
    }

    private static func dimension(_ distribution: Distribution, observations: [ParameterValue], priorWeight: Double) -> Dimension {
        if case .categorical(let choices) = distribution {
            let count = choices.count
            guard !observations.isEmpty else {
                return .categorical(count: count, logProbability: Array(repeating: -log(Double(count)), count: count))
            }
            let kernels = observations.count + 1
            var table = [Double](repeating: 0, count: kernels * count)
            for k in 0..<kernels {
                var row = [Double](repeating: priorWeight / Double(kernels), count: count)
                if k < observations.count, let chosen = choices.firstIndex(of: observations[k]) { row[chosen] += 1 }
                let sum = row.reduce(0, +)
                for c in 0..<count { table[k * count + c] = sum > 0 ? log(row[c] / sum) : -log(Double(count)) }
            }
            return .categorical(count: count, logProbability: table)
        }
        let transform = NumericTransform(distribution)
        let (low, high) = (transform.low, transform.high)
        var mu = observations.map { transform.internalValue($0) }
        var sigma = Self.bandwidths(mu, low: low, high: high)
        mu.append((low + high) / 2)
        sigma.append(high - low)
        let logNormalizer = zip(mu, sigma).map { m, s in
            log(max(normalCDF((high - m) / s) - normalCDF((low - m) / s), 1e-300))
        }
        guard !transform.isDiscrete else {
            return .discrete(low: low, high: high, mu: mu, sigma: sigma, logNormalizer: logNormalizer)
        }
        let halfLogTwoPi = 0.918_938_533_204_672_8
        return .continuous(low: low, high: high, mu: mu, sigma: sigma, inverseSigma: sigma.map { 1 / $0 },
                           offset: zip(sigma, logNormalizer).map { -log($0) - halfLogTwoPi - $1 })
    }

    /// Each kernel's bandwidth: the larger distance to its sorted neighbours (the range's ends
    /// count as neighbours except for the outermost kernels), clipped to
    /// [range / min(100, kernels + 1), range].
    private static func bandwidths(_ mu: [Double], low: Double, high: Double) -> [Double] {
        guard !mu.isEmpty else { return [] }
        let order = mu.indices.sorted { mu[$0] < mu[$1] }
        let sorted = [low] + order.map { mu[$0] } + [high]
        var sortedSigma = [Double](repeating: 0, count: mu.count)
        for i in 1...mu.count {
            let left: Double = sorted[i] - sorted[i - 1]
            let right: Double = sorted[i + 1] - sorted[i]
            sortedSigma[i - 1] = max(left, right)
        }
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

    /// Draws one point: a kernel by weight, then each parameter from that kernel.
    func sample(using rng: inout SplitMix64) -> [ParameterValue] {
        let u = rng.nextUnit() * (cumulativeWeights.last ?? 1)
        let kernel = cumulativeWeights.firstIndex { u < $0 } ?? (cumulativeWeights.count - 1)
        return zip(parameters, dimensions).map { parameter, dimension in
            switch dimension {
            case .categorical(let count, let table):
                guard case .categorical(let choices) = parameter.distribution else { return .int(0) }
                var u = rng.nextUnit()
                for c in 0..<count {
                    u -= exp(table[kernel * count + c])
                    if u < 0 { return choices[c] }
                }
                return choices[count - 1]
            case .continuous(let low, let high, let mu, let sigma, _, _), .discrete(let low, let high, let mu, let sigma, _):
                let x = Self.truncatedNormal(mu: mu[kernel], sigma: sigma[kernel], low: low, high: high, using: &rng)
                return NumericTransform(parameter.distribution).externalValue(x)
            }
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

    /// log density (or mass) of each of `points` under the mixture.
    func logDensity(_ points: [[ParameterValue]]) -> [Double] {
        let kernels = logWeights.count
        var accumulator = [Double](repeating: 0, count: kernels)
        return points.map { point in
            accumulator.withUnsafeMutableBufferPointer { acc in
                for k in 0..<kernels { acc[k] = logWeights[k] }
                for (index, dimension) in dimensions.enumerated() {
                    Self.addLogDensity(of: point[index], dimension, parameter: parameters[index], to: acc)
                }
                return logSumExp(UnsafeBufferPointer(acc))
            }
        }
    }

    private static func addLogDensity(of value: ParameterValue, _ dimension: Dimension, parameter: SearchSpace.Parameter,
                                      to acc: UnsafeMutableBufferPointer<Double>) {
        switch dimension {
        case .categorical(let count, let table):
            guard case .categorical(let choices) = parameter.distribution, let c = choices.firstIndex(of: value) else {
                for k in acc.indices { acc[k] = -.infinity }
                return
            }
            for k in acc.indices { acc[k] += table[k * count + c] }
        case .continuous(_, _, let mu, _, let inverseSigma, let offset):
            let x = NumericTransform(parameter.distribution).internalValue(value)
            mu.withUnsafeBufferPointer { mu in inverseSigma.withUnsafeBufferPointer { inverse in offset.withUnsafeBufferPointer { offset in
                for k in 0..<acc.count {
                    let z = (x - mu[k]) * inverse[k]
                    acc[k] += offset[k] - 0.5 * z * z
                }
            } } }
        case .discrete(let low, let high, let mu, let sigma, let logNormalizer):
            let (lower, upper) = NumericTransform(parameter.distribution).bin(of: value, low: low, high: high)
            let invSqrt2 = 0.707_106_781_186_547_5
            mu.withUnsafeBufferPointer { mu in sigma.withUnsafeBufferPointer { sigma in logNormalizer.withUnsafeBufferPointer { norm in
                for k in 0..<acc.count {
                    let scale = invSqrt2 / sigma[k]
                    let mass = 0.5 * (fastErf((upper - mu[k]) * scale) - fastErf((lower - mu[k]) * scale))
                    acc[k] += log(max(mass, 1e-300)) - norm[k]
                }
            } } }
        }
    }
}
