#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The density (or mass) of a one-parameter ``ParzenEstimator`` summed in probability space:
/// each kernel's weight and normaliser folded into one coefficient, so a point costs one
/// exponential (two error functions when binned) per kernel, evaluated four kernels at a time,
/// and a categorical point costs nothing per kernel. Univariate TPE, its default, scores every
/// candidate this way.
struct DirectDensity {
    private enum Form {
        /// Σ c_k · exp(−½ ((x − μ_k) s_k)²), s_k = 1 / σ_k, c_k = w_k / (σ_k √(2π) Z_k).
        case continuous(transform: NumericTransform, kernels: KernelColumns)
        /// Σ c_k · (erf((upper − μ_k) s_k) − erf((lower − μ_k) s_k)), s_k = 1 / (σ_k √2), c_k = w_k / (2 Z_k).
        case discrete(transform: NumericTransform, low: Double, high: Double, kernels: KernelColumns)
        /// The mass of each choice, summed over the kernels once.
        case categorical(choices: [ParameterValue], mass: [Double])
    }

    private let form: Form

    /// The direct form of `estimator`'s only dimension, or `nil` for a joint mixture.
    init?(_ estimator: ParzenEstimator) {
        guard estimator.dimensions.count == 1, let parameter = estimator.parameters.first else { return nil }
        let weights = estimator.weights
        switch estimator.dimensions[0] {
        case .continuous(_, _, let mu, _, let inverseSigma, let offset):
            form = .continuous(transform: NumericTransform(parameter.distribution),
                               kernels: KernelColumns(mu: mu, scale: inverseSigma, coefficient: zip(weights, offset).map { w, o in w * exp(o) }))
        case .discrete(let low, let high, let mu, _, let erfScale, let logNormalizer):
            form = .discrete(transform: NumericTransform(parameter.distribution), low: low, high: high,
                             kernels: KernelColumns(mu: mu, scale: erfScale, coefficient: zip(weights, logNormalizer).map { w, n in 0.5 * w * exp(-n) }))
        case .categorical(let count, let choice, let hit, let miss):
            guard case .categorical(let choices) = parameter.distribution else { return nil }
            // Kernel k gives `miss` to every choice and `hit − miss` more to its own; the prior 1/count.
            var mass = [Double](repeating: 0, count: count)
            var spread = 0.0
            for (k, c) in choice.enumerated() {
                if c < 0 {
                    spread += weights[k] / Double(count)
                } else {
                    spread += weights[k] * miss
                    if c < count { mass[c] += weights[k] * (hit - miss) }
                }
            }
            form = .categorical(choices: choices, mass: mass.map { $0 + spread })
        }
    }

    /// The density (mass) at `value`; 0 when every kernel underflows there. `scratch` holds at
    /// least as many elements as the mixture has kernels.
    func density(of value: ParameterValue, scratch: UnsafeMutableBufferPointer<Double>) -> Double {
        switch form {
        case .categorical(let choices, let mass):
            return choices.firstIndex(of: value).map { mass[$0] } ?? 0
        case .continuous(let transform, let kernels):
            let x = transform.internalValue(value)
            return kernels.sum(using: scratch) { mu, scale, coefficient in
                let z = (x - mu) * scale
                return coefficient * fastExp(-0.5 * z * z)
            }
        case .discrete(let transform, let low, let high, let kernels):
            let (lower, upper) = transform.bin(of: value, low: low, high: high)
            return kernels.sum(using: scratch) { mu, scale, coefficient in
                coefficient * max(fastErf((upper - mu) * scale) - fastErf((lower - mu) * scale), 0)
            }
        }
    }
}

/// A one-dimensional mixture's kernels as three columns.
private struct KernelColumns {
    let mu: [Double], scale: [Double], coefficient: [Double]

    /// Σ over the kernels of `term(μ, s, c)`: one element-wise pass into `scratch` that the
    /// compiler vectorises (the closure is inlined), then a four-lane sum.
    @inline(__always)
    func sum(using scratch: UnsafeMutableBufferPointer<Double>, _ term: (Double, Double, Double) -> Double) -> Double {
        let terms = UnsafeMutableBufferPointer(rebasing: scratch[..<mu.count])
        mu.withUnsafeBufferPointer { mu in scale.withUnsafeBufferPointer { scale in coefficient.withUnsafeBufferPointer { coefficient in
            for k in 0..<terms.count { terms[k] = term(mu[k], scale[k], coefficient[k]) }
        } } }
        return Optimization.sum(UnsafeBufferPointer(terms))
    }
}
