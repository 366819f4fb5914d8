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
        /// Truncated normals on [low, high]; `mass` is each kernel's normal mass inside the range,
        /// and `order` lists the observations' kernels (not the prior, last) by ascending mean.
        case continuous(low: Double, high: Double, mu: [Double], sigma: [Double], mass: [Double], order: [Int])
        /// Truncated normals binned on a grid (a value's bin comes from its ``NumericTransform``).
        case discrete(low: Double, high: Double, mu: [Double], sigma: [Double], mass: [Double], order: [Int])
        /// Smoothed one-hot kernels: kernel k puts `hit` on `choice[k]` and `miss` on every other
        /// choice; the prior kernel (choice −1) is uniform. Probabilities, not logs.
        case categorical(count: Int, choice: [Int], hit: Double, miss: Double)
    }

    let parameters: [SearchSpace.Parameter]
    let transforms: [NumericTransform]
    /// The mixture's weights (the prior's last), summing to 1.
    let weights: [Double]
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
        for k in mixture.indices { mixture[k] /= total }
        self.weights = mixture
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
        let order = stableOrder(mu)
        var sigma = Self.bandwidths(mu, order: order, low: low, high: high)
        mu.append((low + high) / 2)
        sigma.append(high - low)
        let mass = zip(mu, sigma).map { m, s in
            let (upper, lower) = ((high - m) / s, (low - m) / s)
            // Beyond 9σ of both ends the mass is 1 − 2e-19, which is 1 in a double.
            guard upper < 9 || lower > -9 else { return 1.0 }
            return max(normalCDF(upper) - normalCDF(lower), 1e-300)
        }
        return transform.isDiscrete ? .discrete(low: low, high: high, mu: mu, sigma: sigma, mass: mass, order: order)
            : .continuous(low: low, high: high, mu: mu, sigma: sigma, mass: mass, order: order)
    }

    /// Each kernel's bandwidth (`order` sorts `mu`): the larger distance to its sorted
    /// neighbours (the range's ends count as neighbours except for the outermost kernels),
    /// clipped to [range / min(100, kernels + 1), range].
    private static func bandwidths(_ mu: [Double], order: [Int], low: Double, high: Double) -> [Double] {
        guard !mu.isEmpty else { return [] }
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
        var running = 0.0
        let cumulativeWeights = weights.map { running += $0; return running }
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
    /// space (``DirectDensity``), a categorical one in closed form. Joint mixtures, and any point
    /// whose direct sum underflows (only possible without a prior kernel), take the log-space
    /// sum of products (``LogSpaceDensity``), built only when first needed.
    func logDensity(_ points: [[ParameterValue]]) -> [Double] {
        let count = points.first?.count ?? 0
        var result = [Double](repeating: 0, count: count)
        var inLogSpace: [Int] = []
        // Integer and categorical candidates repeat often; a repeat has the same density.
        let firstOccurrence = (0..<count).map { i in (0..<i).first { j in points.allSatisfy { $0[j] == $0[i] } } ?? i }
        if dimensions.count == 1, let direct = DirectDensity(self) {
            var terms = [Float](repeating: 0, count: weights.count)
            terms.withUnsafeMutableBufferPointer { terms in
                for i in 0..<count where firstOccurrence[i] == i {
                    let density = direct.density(of: points[0][i], scratch: terms)
                    if density > 0, density.isFinite { result[i] = log(density) } else { inLogSpace.append(i) }
                }
            }
        } else {
            inLogSpace = (0..<count).filter { firstOccurrence[$0] == $0 }
        }
        if !inLogSpace.isEmpty {
            let logSpace = LogSpaceDensity(self)
            var accumulator = [Double](repeating: 0, count: weights.count)
            accumulator.withUnsafeMutableBufferPointer { acc in
                for i in inLogSpace { result[i] = logSpace.logDensity(of: points.map { $0[i] }, scratch: acc) }
            }
        }
        for i in 0..<count where firstOccurrence[i] != i { result[i] = result[firstOccurrence[i]] }
        return result
    }
}
