import Optimization

/// Which sampler a study uses, with its options (YAML `study.sampler`).
public enum SamplerSettings: Sendable, Hashable, Codable {
    /// TPE with Optuna's semantics.
    case tpe(startupTrials: Int = 10, candidates: Int = 24, multivariate: Bool = true, constantLiar: Bool = true)
    /// Independent uniform draws.
    case random
    /// Every combination of a discrete space once.
    case grid

    /// The sampler for a study seeded `seed`.
    public func make(seed: UInt64) -> any Sampler {
        switch self {
        case .tpe(let startup, let candidates, let multivariate, let liar):
            return TPESampler(seed: seed, startupTrials: startup, candidates: candidates, multivariate: multivariate, constantLiar: liar)
        case .random:
            return RandomSampler(seed: seed)
        case .grid:
            return GridSampler(seed: seed)
        }
    }
}

/// Which pruner a study uses (YAML `study.pruner`).
public indirect enum PrunerSettings: Sendable, Hashable {
    /// Never prune.
    case none
    /// Optuna's median rule.
    case median(startupTrials: Int = 5, warmupSteps: Int = 0, minimumTrials: Int = 1)
    /// Asynchronous successive halving.
    case successiveHalving(minimumResource: Int = 100, reductionFactor: Int = 3, minimumEarlyStoppingRate: Int = 0)
    /// Prune NaN or values out of bounds.
    case threshold(lower: Double = -.infinity, upper: Double = .infinity, warmupSteps: Int = 0)
    /// Wait for `patience` reports without improvement before asking `wrapped`.
    case patient(wrapped: PrunerSettings, patience: Int, minDelta: Double = 0)

    /// The pruner.
    public func make() -> any Pruner {
        switch self {
        case .none: return NopPruner()
        case .median(let startup, let warmup, let minimum):
            return MedianPruner(startupTrials: startup, warmupSteps: warmup, minimumTrials: minimum)
        case .successiveHalving(let resource, let factor, let rate):
            return SuccessiveHalvingPruner(minimumResource: resource, reductionFactor: factor, minimumEarlyStoppingRate: rate)
        case .threshold(let lower, let upper, let warmup):
            return ThresholdPruner(lower: lower, upper: upper, warmupSteps: warmup)
        case .patient(let wrapped, let patience, let minDelta):
            let inner: (any Pruner)? = wrapped == .none ? nil : wrapped.make()
            return PatientPruner(wrapping: inner, patience: patience, minDelta: minDelta)
        }
    }
}
