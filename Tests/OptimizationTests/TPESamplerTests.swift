import Randomness
import Testing

@testable import Optimization

@Suite("TPE sampler")
struct TPESamplerTests {
    static let mixedSpace = try! SearchSpace([  // swiftlint:disable:this force_try — a literal, valid space
        .init("learning_rate", .float(low: 1e-5, high: 1e-1, log: true)),
        .init("weight_decay", .float(low: 1e-6, high: 1e-2, log: true)),
        .init("dropout", .float(low: 0, high: 0.5)),
        .init("batch_size", .int(low: 4, high: 64)),
        .init("cell", .categorical([.string("gru"), .string("lstm"), .string("rnn")])),
    ])

    /// Runs `trials` sequential trials of `objective`; `nil` from the objective is a failed trial.
    static func run(_ sampler: any Sampler, space: SearchSpace, trials: Int,
                    objective: ([String: ParameterValue]) -> Double?) -> [TrialSnapshot] {
        var history: [TrialSnapshot] = []
        for number in 0..<trials {
            guard let parameters = sampler.suggest(space: space, number: number, history: history) else { break }
            let value = objective(parameters)
            history.append(TrialSnapshot(number: number, parameters: parameters, state: value == nil ? .failed : .complete, value: value))
        }
        return history
    }

    static func sphere(_ p: [String: ParameterValue]) -> Double {
        ["x", "y", "z"].reduce(0) { sum, name in sum + pow(p[name]?.number ?? 0, 2) }
    }

    static let cube = try! SearchSpace(["x", "y", "z"].map { .init($0, .float(low: -5, high: 5)) })  // swiftlint:disable:this force_try

    @Test("γ and the kernel weights are Optuna's")
    func gammaAndWeights() {
        #expect([0, 1, 10, 11, 100, 249, 251, 1000].map(TPESampler.gamma) == [0, 1, 1, 2, 10, 25, 25, 25])
        #expect(TPESampler.weights(3) == [1, 1, 1])
        let w = TPESampler.weights(30)
        #expect(w.count == 30 && w.suffix(25).allSatisfy { $0 == 1 })
        #expect(abs(w[0] - 1.0 / 30) < 1e-12 && w[0..<5].elementsEqual(w[0..<5].sorted()))
    }

    @Test("the same seed, number and history give the same proposal; another seed another")
    func deterministic() {
        let history = Self.run(RandomSampler(seed: 3), space: Self.mixedSpace, trials: 20) { _ in 1 }
            .enumerated().map { i, t in TrialSnapshot(number: i, parameters: t.parameters, state: .complete, value: Double(i % 7)) }
        let a = TPESampler(seed: 5).suggest(space: Self.mixedSpace, number: 20, history: history)
        let b = TPESampler(seed: 5).suggest(space: Self.mixedSpace, number: 20, history: history)
        let c = TPESampler(seed: 6).suggest(space: Self.mixedSpace, number: 20, history: history)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("proposals stay in their distributions: log scales, integer steps, stepped floats, categories",
          arguments: [false, true])
    func proposalsAreValid(multivariate: Bool) throws {
        let space = try SearchSpace(Self.mixedSpace.parameters + [
            .init("layers", .int(low: 1, high: 9, step: 2)), .init("ratio", .float(low: 0.1, high: 0.9, step: 0.2)),
            .init("heads", .int(low: 1, high: 64, log: true)),
        ])
        let history = Self.run(TPESampler(seed: 1, startupTrials: 5, multivariate: multivariate), space: space, trials: 60) { p in
            (p["learning_rate"]?.number ?? 0) * 100 + (p["layers"]?.number ?? 0)
        }
        #expect(history.count == 60)
        for trial in history {
            for parameter in space.parameters {
                let value = try #require(trial.parameters[parameter.name])
                #expect(parameter.distribution.contains(value), "\(parameter.name) = \(value)")
            }
        }
    }

    @Test("TPE beats random on a 3-D sphere in the median over 9 seeds (60 trials)", arguments: [false, true])
    func beatsRandom(multivariate: Bool) {
        func best(_ sampler: any Sampler) -> Double {
            Self.run(sampler, space: Self.cube, trials: 60, objective: Self.sphere).compactMap(\.value).min() ?? .infinity
        }
        let tpe = (1...9).map { best(TPESampler(seed: $0, multivariate: multivariate)) }.sorted()[4]
        let random = (1...9).map { best(RandomSampler(seed: $0)) }.sorted()[4]
        #expect(tpe < random / 2, "TPE median best \(tpe), random \(random)")
    }

    @Test("failed trials are constraint violations: TPE proposes fewer doomed trials than when it ignores failures")
    func avoidsFailures() {
        // Everything with x > 0 fails (an out-of-memory region); the optimum sits on its border.
        let objective: ([String: ParameterValue]) -> Double? = { p in (p["x"]?.number ?? 0) > 0 ? nil : Self.sphere(p) }
        func failures(seed: UInt64, learn: Bool) -> Int {
            var history: [TrialSnapshot] = []
            for number in 0..<80 {
                let visible = learn ? history : history.filter { $0.state != .failed }
                guard let parameters = TPESampler(seed: seed).suggest(space: Self.cube, number: number, history: visible) else { break }
                let value = objective(parameters)
                history.append(TrialSnapshot(number: number, parameters: parameters, state: value == nil ? .failed : .complete, value: value))
            }
            return history.suffix(60).filter { $0.state == .failed }.count
        }
        let learning = (1...5).map { failures(seed: $0, learn: true) }.reduce(0, +)
        let ignoring = (1...5).map { failures(seed: $0, learn: false) }.reduce(0, +)
        #expect(Double(learning) < 0.75 * Double(ignoring), "failed proposals after start-up: \(learning) learning, \(ignoring) ignoring")
        #expect(learning < 150, "random would fail half of 300")
    }

    @Test("the split ranks complete, then pruned (deeper first), then failed; running trials go above with constant liar")
    func split() {
        let complete = (0..<4).map { TrialSnapshot(number: $0, parameters: [:], state: .complete, value: Double(4 - $0)) }
        let prunedShallow = TrialSnapshot(number: 4, parameters: [:], state: .pruned, intermediate: [100: 0.1])
        let prunedDeep = TrialSnapshot(number: 5, parameters: [:], state: .pruned, intermediate: [100: 0.5, 200: 0.9])
        let failed = TrialSnapshot(number: 6, parameters: [:], state: .failed)
        let running = TrialSnapshot(number: 7, parameters: [:], state: .running)
        // Out of number order, as a history need not be sorted: the groups come back in number order.
        let history = [failed, prunedDeep] + complete.reversed() + [running, prunedShallow]
        let numbers = { (indices: [Int]) in indices.map { history[$0].number } }
        let finished = history.indices.filter { history[$0].state != .running }
        let (below2, above2) = TPESampler.split(history, finished: finished, running: [6], belowCount: 2)
        #expect(numbers(below2) == [2, 3])
        #expect(numbers(above2) == [0, 1, 4, 5, 6, 7])
        let (below6, above6) = TPESampler.split(history, finished: finished, running: [], belowCount: 6)
        #expect(numbers(below6) == [0, 1, 2, 3, 4, 5], "the deeper pruned trial ranks first, then the shallower; failed last")
        #expect(numbers(above6) == [6])
    }

    @Test("constant liar: a worker does not propose what a running trial is already trying")
    func constantLiar() {
        // One dominant good region found; ten running trials sit at its centre.
        var history = (0..<20).map { i -> TrialSnapshot in
            let x = -5 + Double(i) * 0.5
            return TrialSnapshot(number: i, parameters: ["x": .float(x), "y": .float(0), "z": .float(0)], state: .complete, value: x * x)
        }
        let running = (20..<30).map { TrialSnapshot(number: $0, parameters: ["x": .float(0), "y": .float(0), "z": .float(0)], state: .running) }
        history += running
        func distanceFromCentre(_ sampler: TPESampler) -> Double {
            (30..<50).map { n in abs(sampler.suggest(space: Self.cube, number: n, history: history)?["x"]?.number ?? 0) }.reduce(0, +) / 20
        }
        let liar = distanceFromCentre(TPESampler(seed: 4, constantLiar: true))
        let plain = distanceFromCentre(TPESampler(seed: 4, constantLiar: false))
        #expect(liar > plain, "mean |x| with liar \(liar), without \(plain)")
    }

    @Test("running trials do not count in γ(n): many running trials do not pull second-best trials into l(x)")
    func runningTrialsLeaveGammaAlone() {
        // 10 finished trials: the best alone near x = 4, three nearly as good near x = -4, the
        // rest poor. γ(10) = 1 puts only the best in l(x); counting 30 running trials too
        // (γ(40) = 4) would put the x = -4 group there as well.
        var history: [TrialSnapshot] = []
        let finished: [(Double, Double)] = [(4, 0.0), (-4, 0.01), (-4.1, 0.011), (-3.9, 0.012), (0, 5), (1, 6), (-1, 6), (2, 7), (-2, 7), (0.5, 8)]
        for (number, (x, value)) in finished.enumerated() {
            history.append(TrialSnapshot(number: number, parameters: ["x": .float(x), "y": .float(0), "z": .float(0)],
                                         state: .complete, value: value))
        }
        for number in 10..<40 {
            history.append(TrialSnapshot(number: number, parameters: ["x": .float(-2.5), "y": .float(0), "z": .float(0)], state: .running))
        }
        let sampler = TPESampler(seed: 11, startupTrials: 5, constantLiar: true)
        let proposals = (40..<60).compactMap { sampler.suggest(space: Self.cube, number: $0, history: history)?["x"]?.number }
        let nearBest = proposals.filter { $0 > 2 }.count, nearSecond = proposals.filter { $0 < -2 }.count
        #expect(nearBest > nearSecond, "near x=4: \(nearBest), near x=-4: \(nearSecond) of \(proposals.count)")
    }

    @Test("the defaults are Optuna 5's: multivariate, 10 startup trials, 24 candidates")
    func defaults() {
        let sampler = TPESampler(seed: 0)
        #expect(sampler.multivariate && sampler.startupTrials == 10 && sampler.candidates == 24)
    }

    @Test("the fast exp, erf and log match the library")
    func fastMath() {
        for x in stride(from: -700.0, through: 709, by: 0.37) {
            #expect(abs(fastExp(x) - exp(x)) <= 1e-12 * exp(x))
        }
        #expect(fastExp(-800.0) == 0)
        #expect(fastExp(710.0) == .infinity)
        for x in stride(from: -6.0, through: 6, by: 0.01) { #expect(abs(fastErf(x) - erf(x)) < 2e-7) }
        // Single precision: relative error against the double library, to the float limit.
        for x in stride(from: Float(-87), through: 0, by: 0.013) {
            let reference = exp(Double(x))
            #expect(abs(Double(fastExp(x)) - reference) <= 3e-7 * reference, "expf \(x)")
        }
        #expect(fastExp(Float(-88)) == 0)
        #expect(fastExp(-Float.infinity) == 0)
        // Tails: A&S's relative error, which the direct binned sums inherit.
        for x in stride(from: Float(0), through: 9, by: 0.01) {
            let reference = erfc(Double(x))
            let bound = x < 2 ? 3e-5 : (x < 3 ? 7e-4 : 4e-2)
            #expect(abs(Double(fastErfc(x)) - reference) <= bound * reference, "erfcf \(x)")
        }
        var x = 1e-300
        while x < 1e300 {
            #expect(abs(fastLog(x) - log(x)) <= 4e-15 * max(1, abs(log(x))), "log \(x)")
            x *= 1.37
        }
        for x in stride(from: 0.5, through: 2, by: 0.001) { #expect(abs(fastLog(x) - log(x)) <= 1e-15) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
