#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Randomness

/// The hyperparameters a study searches, in a fixed order.
public struct SearchSpace: Sendable, Hashable, Codable {
    /// One named parameter.
    public struct Parameter: Sendable, Hashable, Codable {
        /// Its name.
        public let name: String
        /// Its values.
        public let distribution: Distribution

        /// Creates a parameter.
        public init(_ name: String, _ distribution: Distribution) {
            self.name = name
            self.distribution = distribution
        }
    }

    /// The parameters, in order.
    public let parameters: [Parameter]

    /// A space of `parameters`.
    /// - Throws: ``Distribution/Invalid`` for a bad distribution or a repeated name.
    public init(_ parameters: [Parameter]) throws {
        var names = Set<String>()
        for parameter in parameters {
            guard names.insert(parameter.name).inserted else {
                throw Distribution.Invalid(description: "parameter '\(parameter.name)' is defined twice")
            }
            try parameter.distribution.validate(name: parameter.name)
        }
        self.parameters = parameters
    }

    /// A value drawn uniformly from `distribution` (on its scale).
    public static func sampleUniform(_ distribution: Distribution, using rng: inout SplitMix64) -> ParameterValue {
        switch distribution {
        case .float(let low, let high, let log, let step):
            if step != nil, let grid = distribution.grid, !grid.isEmpty {
                return grid[Int(rng.next() % UInt64(grid.count))]
            }
            if log {
                let value = (lnValue(low) + (lnValue(high) - lnValue(low)) * rng.nextUnit())
                return .float(min(high, max(low, expValue(value))))
            }
            return .float(low + (high - low) * rng.nextUnit())
        case .int(let low, let high, let log, let step):
            if log {
                // Uniform on the log scale over [low − ½, high + ½], then rounded, as Optuna does.
                let value = lnValue(Double(low) - 0.5) + (lnValue(Double(high) + 0.5) - lnValue(Double(low) - 0.5)) * rng.nextUnit()
                return .int(min(high, max(low, Int(expValue(value).rounded()))))
            }
            let count = (high - low) / step + 1
            return .int(low + step * Int(rng.next() % UInt64(count)))
        case .categorical(let choices):
            return choices[Int(rng.next() % UInt64(choices.count))]
        }
    }
}


@inline(__always) func lnValue(_ x: Double) -> Double { log(max(x, .leastNormalMagnitude)) }
@inline(__always) func expValue(_ x: Double) -> Double { exp(x) }
