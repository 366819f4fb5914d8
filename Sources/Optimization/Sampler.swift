import Randomness

/// How a trial of a study ended, as samplers and pruners see it.
public enum TrialState: String, Sendable, Hashable, Codable {
    /// Finished with a value.
    case complete
    /// Stopped by the pruner.
    case pruned
    /// Failed (including out of memory): a constraint violation samplers learn to avoid.
    case failed
    /// Still running.
    case running
}

/// A trial as samplers and pruners see it.
public struct TrialSnapshot: Sendable, Hashable {
    /// The trial's number in its study, from 0.
    public let number: Int
    /// Its parameters.
    public let parameters: [String: ParameterValue]
    /// Its state.
    public let state: TrialState
    /// Its final objective (complete trials).
    public let value: Double?
    /// Its intermediate objective by step.
    public let intermediate: [Int: Double]

    /// Creates a snapshot.
    public init(number: Int, parameters: [String: ParameterValue], state: TrialState, value: Double? = nil,
                intermediate: [Int: Double] = [:]) {
        self.number = number
        self.parameters = parameters
        self.state = state
        self.value = value
        self.intermediate = intermediate
    }
}

/// Proposes the parameters of the next trial. Pure and deterministic: the same seed, trial number
/// and history always give the same proposal, whichever process asks.
public protocol Sampler: Sendable {
    /// The parameters of trial `number`, or `nil` when the sampler has nothing left to propose.
    func suggest(space: SearchSpace, number: Int, history: [TrialSnapshot]) -> [String: ParameterValue]?
}

/// Independent uniform draws (on each parameter's scale).
public struct RandomSampler: Sampler {
    /// The study's seed.
    public let seed: UInt64

    /// Creates a random sampler.
    public init(seed: UInt64) { self.seed = seed }

    public func suggest(space: SearchSpace, number: Int, history: [TrialSnapshot]) -> [String: ParameterValue]? {
        var rng = SplitMix64(seed: seed, stream: 21, index: UInt64(number))
        var parameters: [String: ParameterValue] = [:]
        for parameter in space.parameters {
            parameters[parameter.name] = SearchSpace.sampleUniform(parameter.distribution, using: &rng)
        }
        return parameters
    }
}

/// Every combination of a discrete space once, in a seeded shuffled order; trials take the
/// first combination no earlier or running trial has.
public struct GridSampler: Sampler {
    /// The study's seed.
    public let seed: UInt64

    /// Creates a grid sampler.
    public init(seed: UInt64) { self.seed = seed }

    /// The full grid of `space`, in the sampler's order.
    /// - Throws: ``Distribution/Invalid`` for a continuous parameter (give it a step).
    public func grid(of space: SearchSpace) throws -> [[String: ParameterValue]] {
        var combinations: [[String: ParameterValue]] = [[:]]
        for parameter in space.parameters {
            guard let values = parameter.distribution.grid else {
                throw Distribution.Invalid(description: "parameter '\(parameter.name)': the grid sampler needs discrete values; give the float a step")
            }
            combinations = combinations.flatMap { partial in values.map { partial.merging([parameter.name: $0]) { $1 } } }
        }
        var rng = SplitMix64(seed: seed, stream: 22)
        combinations.shuffle(using: &rng)
        return combinations
    }

    public func suggest(space: SearchSpace, number: Int, history: [TrialSnapshot]) -> [String: ParameterValue]? {
        guard let grid = try? grid(of: space) else { return nil }
        let taken = Set(history.map(\.parameters))
        return grid.first { !taken.contains($0) }
    }
}
