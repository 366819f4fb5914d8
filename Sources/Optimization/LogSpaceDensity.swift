#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log density (or mass) of a ``ParzenEstimator`` summed in log space: per kernel, the log
/// weight plus each dimension's log term, then a stable log-sum-exp. Joint (multivariate)
/// mixtures are scored this way, and any point whose direct sum (``DirectDensity``) underflows.
/// Building it takes a logarithm per kernel and dimension, so the estimator builds it only when
/// a point needs it.
struct LogSpaceDensity {
    private enum Term {
        /// −½ ((x − μ_k) / σ_k)² + offset_k, offset_k = −log σ_k − ½ log 2π − log Z_k.
        case continuous(transform: NumericTransform, mu: [Double], inverseSigma: [Double], offset: [Double])
        /// log(½ (erf((upper − μ_k) s_k) − erf((lower − μ_k) s_k))) − log Z_k, s_k = 1 / (σ_k √2).
        case discrete(transform: NumericTransform, low: Double, high: Double, mu: [Double], erfScale: [Double],
                      logNormalizer: [Double])
        /// log hit on the kernel's own choice, log miss elsewhere, −log count for the prior.
        case categorical(choices: [ParameterValue], choice: [Int], logHit: Double, logMiss: Double, logUniform: Double)
    }

    private let logWeights: [Double]
    private let terms: [Term]

    /// The log-space form of `estimator`.
    init(_ estimator: ParzenEstimator) {
        logWeights = estimator.weights.map { $0 > 0 ? fastLog($0) : -.infinity }
        terms = zip(estimator.dimensions, zip(estimator.parameters, estimator.transforms)).map { dimension, pair in
            let (parameter, transform) = pair
            switch dimension {
            case .continuous(_, _, let mu, let sigma, let mass, _):
                let halfLogTwoPi = 0.918_938_533_204_672_8
                return .continuous(transform: transform, mu: mu, inverseSigma: sigma.map { 1 / $0 },
                                   offset: zip(sigma, mass).map { s, z in -fastLog(s) - halfLogTwoPi - fastLog(z) })
            case .discrete(let low, let high, let mu, let sigma, let mass, _):
                return .discrete(transform: transform, low: low, high: high, mu: mu,
                                 erfScale: sigma.map { 0.707_106_781_186_547_5 / $0 }, logNormalizer: mass.map(fastLog))
            case .categorical(let count, let choice, let hit, let miss):
                let choices: [ParameterValue]
                if case .categorical(let values) = parameter.distribution { choices = values } else { choices = [] }
                return .categorical(choices: choices, choice: choice, logHit: log(hit), logMiss: log(miss),
                                    logUniform: -log(Double(count)))
            }
        }
    }

    /// The log density at `point` (one value per dimension); `scratch` holds at least as many
    /// elements as the mixture has kernels.
    func logDensity(of point: [ParameterValue], scratch: UnsafeMutableBufferPointer<Double>) -> Double {
        let acc = UnsafeMutableBufferPointer(rebasing: scratch[..<logWeights.count])
        for k in acc.indices { acc[k] = logWeights[k] }
        for (term, value) in zip(terms, point) { add(term, at: value, to: acc) }
        return logSumExp(acc)
    }

    private func add(_ term: Term, at value: ParameterValue, to acc: UnsafeMutableBufferPointer<Double>) {
        switch term {
        case .categorical(let choices, let choice, let logHit, let logMiss, let logUniform):
            guard let c = choices.firstIndex(of: value) else {
                for k in acc.indices { acc[k] = -.infinity }
                return
            }
            choice.withUnsafeBufferPointer { choice in
                for k in 0..<acc.count { acc[k] += choice[k] < 0 ? logUniform : (choice[k] == c ? logHit : logMiss) }
            }
        case .continuous(let transform, let mu, let inverseSigma, let offset):
            let x = transform.internalValue(value)
            mu.withUnsafeBufferPointer { mu in inverseSigma.withUnsafeBufferPointer { inverse in offset.withUnsafeBufferPointer { offset in
                for k in 0..<acc.count {
                    let z = (x - mu[k]) * inverse[k]
                    acc[k] += offset[k] - 0.5 * z * z
                }
            } } }
        case .discrete(let transform, let low, let high, let mu, let erfScale, let logNormalizer):
            let (lower, upper) = transform.bin(of: value, low: low, high: high)
            mu.withUnsafeBufferPointer { mu in erfScale.withUnsafeBufferPointer { scale in logNormalizer.withUnsafeBufferPointer { norm in
                for k in 0..<acc.count {
                    let mass = 0.5 * (fastErf((upper - mu[k]) * scale[k]) - fastErf((lower - mu[k]) * scale[k]))
                    acc[k] += fastLog(max(mass, 1e-300)) - norm[k]
                }
            } } }
        }
    }
}
