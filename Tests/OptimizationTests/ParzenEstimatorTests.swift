import Randomness
import Testing

@testable import Optimization

@Suite("Parzen estimator")
struct ParzenEstimatorTests {
    @Test("the radix order is the stable order of a comparison sort: ties in index order, −0 equal to +0")
    func stableOrderMatchesSort() {
        var rng = SplitMix64(seed: 9, stream: 1, index: 0)
        let specials: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                  .greatestFiniteMagnitude, -1e-300, 1e300, 3, 3, -3]
        for count in [0, 1, 2, 7, 100, 1_000] {
            // Few distinct values, so that ties are common; and wide ones, so every byte differs.
            let values = (0..<count).map { i -> Double in
                switch i % 3 {
                case 0: return Double(Int(rng.nextUnit() * 5)) - 2
                case 1: return (rng.nextUnit() - 0.5) * pow(10, rng.nextUnit() * 40 - 20)
                default: return specials[i % specials.count]
                }
            }
            let expected = values.indices.sorted { a, b in
                values[a] != values[b] ? values[a] < values[b] : a < b
            }
            #expect(stableOrder(values) == expected, "\(count) values")
        }
    }

    @Test("the observation table: coordinates, choice indices, NaN for missing or invalid values; extra names ignored",
          arguments: [0, 20])
    func observationTable(extraParameters: Int) throws {
        // More than 16 parameters switches the name matching to a dictionary.
        let extras = (0..<extraParameters).map { SearchSpace.Parameter("p\($0)", .int(low: 0, high: 9)) }
        let parameters = [
            SearchSpace.Parameter("lr", .float(low: 1e-4, high: 1, log: true)),
            SearchSpace.Parameter("layers", .int(low: 1, high: 9, step: 2)),
            SearchSpace.Parameter("cell", .categorical([.string("gru"), .string("lstm")])),
            SearchSpace.Parameter("ab", .float(low: 0, high: 1)),
            SearchSpace.Parameter("ba", .float(low: 0, high: 1)),  // as long as "ab": matched by equality
        ] + extras
        let trials = [
            TrialSnapshot(number: 0, parameters: ["lr": .float(0.01), "layers": .int(3), "cell": .string("lstm"), "ab": .float(0.25),
                                                  "ba": .float(0.75), "p3": .int(7), "unknown": .int(1)], state: .complete),
            TrialSnapshot(number: 1, parameters: ["lr": .float(2), "layers": .int(4), "cell": .string("rnn"), "ab": .string("x")], state: .complete),
        ]
        let table = ObservationTable(parameters, of: trials, rows: [1, 0])
        #expect(table.columns.count == parameters.count)
        #expect(abs(table.columns[0][1] - log(0.01)) < 1e-15)
        #expect(table.columns[1][1] == 3 && table.columns[2][1] == 1 && table.columns[3][1] == 0.25 && table.columns[4][1] == 0.75)
        // Out of range, off the step, not a choice, wrong type, missing: all NaN.
        #expect(table.columns.prefix(5).allSatisfy { $0[0].isNaN })
        if extraParameters > 0 {
            #expect(table.columns[5 + 3][1] == 7 && table.columns[5 + 3][0].isNaN && table.columns[5][1].isNaN)
        }
    }

    @Test("kernel columns merge repeated kernels and skip only kernels whose terms are exactly 0", arguments: [false, true])
    func kernelColumnsWindowAndMerge(onGrid: Bool) {
        var rng = SplitMix64(seed: onGrid ? 3 : 4, stream: 5, index: 0)
        // 1 000 means spread over [0, 10] (on a grid of 0.5 when `onGrid`), a few wide kernels, a prior.
        let mu = (0..<1_000).map { _ in onGrid ? (rng.nextUnit() * 20).rounded(.down) / 2 : rng.nextUnit() * 10 } + [5]
        let sigma = mu.indices.map { k in k == mu.count - 1 ? 10 : (k % 97 == 0 ? 1 + rng.nextUnit() : 0.1) }
        let weights = mu.indices.map { _ in 0.5 + rng.nextUnit() }
        let order = stableOrder(Array(mu.dropLast()))
        let columns = KernelColumns(low: 0, high: 10, mu: mu, sigma: sigma, order: order) { weights[$0] }
        if onGrid {
            // 20 grid values, each run of equal kernels split at most twice by each of the 11
            // wide ones, plus the prior.
            #expect(columns.mu.count <= 20 + 2 * 11 + 1, "\(columns.mu.count) kernels after merging")
        } else {
            #expect(columns.mu.count == mu.count && columns.narrowCount == mu.count - 12)
        }
        #expect(columns.reach < 0.17, "reach \(columns.reach) of the range")
        var scratch = [Float](repeating: 0, count: mu.count)
        for step in 0...200 {
            let x = Double(step) / 20
            let u = columns.unitCoordinate(x)
            func term(_ m: Float, _ s: Float, _ c: Float) -> Float { let z = (u - m) * s; return c * fastExp(-z * z) }
            let windowed = scratch.withUnsafeMutableBufferPointer { columns.sum(using: $0, near: u, _: term) }
            let every = columns.magnitude * zip(columns.mu, zip(columns.scale, columns.coefficient)).reduce(0.0) { total, kernel in
                total + Double(term(kernel.0, kernel.1.0, kernel.1.1))
            }
            let exact = mu.indices.reduce(0.0) { total, k in
                let z = (x - mu[k]) / (sigma[k] * 2.0.squareRoot())
                return total + weights[k] * exp(-z * z)
            }
            #expect(abs(windowed - every) <= 1e-12 * every, "x = \(x): window \(windowed), every kernel \(every)")
            #expect(abs(windowed - exact) <= 1e-5 * exact, "x = \(x): \(windowed) vs \(exact)")
        }
    }

    static let space = try! SearchSpace([  // swiftlint:disable:this force_try — a literal, valid space
        .init("lr", .float(low: 1e-5, high: 1e-1, log: true)),
        .init("dropout", .float(low: 0, high: 0.5)),
        .init("ratio", .float(low: 0.1, high: 0.9, step: 0.2)),
        .init("batch", .int(low: 4, high: 64)),
        .init("heads", .int(low: 1, high: 64, log: true)),
        .init("cell", .categorical([.string("gru"), .string("lstm"), .string("rnn")])),
        // Bins far narrower than any kernel: the direct sum's midpoint regime.
        .init("vocabulary", .int(low: 0, high: 1_000_000)),
        .init("steps", .int(low: 1, high: 1_000_000, log: true)),
    ])

    /// The mixture's density at `point`, summed kernel by kernel in plain libm arithmetic from
    /// the estimator's own kernels (means, bandwidths, weights): what the fast paths must equal.
    static func referenceDensity(_ estimator: ParzenEstimator, at point: [ParameterValue]) -> Double {
        func phi(_ z: Double) -> Double { 0.5 * (1 + erf(z / 2.0.squareRoot())) }
        var total = 0.0
        for k in estimator.weights.indices {
            var product = estimator.weights[k]
            for (index, dimension) in estimator.dimensions.enumerated() {
                let transform = NumericTransform(estimator.parameters[index].distribution)
                switch dimension {
                case .continuous(let low, let high, let mu, let sigma, _, _):
                    let x = transform.internalValue(point[index])
                    let z = (x - mu[k]) / sigma[k]
                    let mass = phi((high - mu[k]) / sigma[k]) - phi((low - mu[k]) / sigma[k])
                    product *= exp(-0.5 * z * z) / (sigma[k] * (2 * Double.pi).squareRoot() * mass)
                case .discrete(let low, let high, let mu, let sigma, _, _):
                    let (lower, upper) = transform.bin(of: point[index], low: low, high: high)
                    let mass = phi((high - mu[k]) / sigma[k]) - phi((low - mu[k]) / sigma[k])
                    product *= (phi((upper - mu[k]) / sigma[k]) - phi((lower - mu[k]) / sigma[k])) / mass
                case .categorical(let count, let choice, let hit, let miss):
                    guard case .categorical(let choices) = estimator.parameters[index].distribution,
                          let c = choices.firstIndex(of: point[index]) else { return 0 }
                    product *= choice[k] < 0 ? 1 / Double(count) : (choice[k] == c ? hit : miss)
                }
            }
            total += product
        }
        return total
    }

    @Test("log densities equal the kernel-by-kernel sum: one parameter of each kind (direct sums) and all of them jointly",
          arguments: [0, 1, 5, 300])
    func densitiesMatchReference(observations: Int) {
        var rng = SplitMix64(seed: UInt64(observations), stream: 2, index: 0)
        let parameters = Self.space.parameters
        // Observations clustered in a fifth of each range, as a converging study's are.
        let history = (0..<observations).map { number -> TrialSnapshot in
            var point: [String: ParameterValue] = [:]
            for parameter in parameters {
                var value = SearchSpace.sampleUniform(parameter.distribution, using: &rng)
                if rng.nextUnit() < 0.8, case .float(let low, let high, let log, nil) = parameter.distribution {
                    value = .float(log ? low * pow(high / low, 0.4 + 0.2 * rng.nextUnit()) : low + (high - low) * (0.4 + 0.2 * rng.nextUnit()))
                }
                point[parameter.name] = value
            }
            return TrialSnapshot(number: number, parameters: point, state: .complete, value: 0)
        }
        let table = ObservationTable(parameters, of: history, rows: Array(history.indices))
        let groups = parameters.indices.map { [$0] } + [Array(parameters.indices)]
        for group in groups {
            for priorWeight in [1.0, 0.3] {
                let columns = table.columns(group, rows: 0..<observations)
                let estimator = ParzenEstimator(parameters: group.map { parameters[$0] }, columns: columns,
                                                weights: TPESampler.weights(columns.first?.count ?? 0), priorWeight: priorWeight)
                let points = estimator.sample(40, using: &rng)
                let densities = estimator.logDensity(points)
                // One-parameter mixtures are summed in single precision (DirectDensity); joint
                // ones in double, where binned masses take fastErf's absolute error (1.5e-7) on
                // masses of a few percent.
                let binned = estimator.dimensions.contains { if case .discrete = $0 { return true }; return false }
                let tolerance = group.count == 1 ? 2e-5 : (binned ? 2e-5 : 1e-10)
                for i in 0..<40 {
                    let reference = log(Self.referenceDensity(estimator, at: points.map { $0[i] }))
                    #expect(abs(densities[i] - reference) < tolerance,
                            "\(group.map { parameters[$0].name }) prior \(priorWeight): \(densities[i]) vs \(reference)")
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
