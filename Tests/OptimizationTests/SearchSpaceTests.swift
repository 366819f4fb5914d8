import Randomness
import Testing

@testable import Optimization

@Suite("Search spaces, samplers and the median pruner")
struct SearchSpaceTests {
    func space() throws -> SearchSpace {
        try SearchSpace([
            .init("learning_rate", .float(low: 1e-4, high: 1e-1, log: true)),
            .init("dropout", .float(low: 0, high: 0.5, step: 0.1)),
            .init("batch_size", .int(low: 4, high: 64, log: true)),
            .init("layers", .int(low: 1, high: 5, step: 2)),
            .init("cell", .categorical([.string("gru"), .string("lstm")])),
        ])
    }

    @Test("bad distributions are refused with what would be valid", arguments: [
        Distribution.float(low: 1, high: 0), .float(low: 0, high: 1, log: true), .float(low: 0, high: 1, log: true, step: 0.1),
        .float(low: 0, high: 1, step: 0), .int(low: 5, high: 1), .int(low: 0, high: 8, log: true), .int(low: 1, high: 8, step: 0),
        .categorical([]), .categorical([.int(1), .int(1)]), .float(low: -.infinity, high: 0),
    ])
    func invalid(distribution: Distribution) {
        let error = #expect(throws: Distribution.Invalid.self) { try SearchSpace([.init("x", distribution)]) }
        #expect(error?.description.hasPrefix("parameter 'x'") == true)
    }

    @Test("a repeated name is refused")
    func repeatedName() {
        #expect(throws: Distribution.Invalid.self) {
            try SearchSpace([.init("x", .int(low: 0, high: 1)), .init("x", .int(low: 0, high: 1))])
        }
    }

    @Test("random draws stay in their distributions, spread on the log scale, and repeat for a seed")
    func random() throws {
        let space = try space()
        let sampler = RandomSampler(seed: 7)
        var logRates: [Double] = []
        for number in 0..<2_000 {
            let parameters = try #require(sampler.suggest(space: space, number: number, history: []))
            for parameter in space.parameters {
                #expect(parameter.distribution.contains(try #require(parameters[parameter.name])), "\(parameter.name)")
            }
            if case .float(let rate) = parameters["learning_rate"] { logRates.append(log10(rate)) }
        }
        // Uniform on the log scale: about a third of the draws in each decade.
        let firstDecade = logRates.filter { $0 < -3 }.count
        #expect((550...780).contains(firstDecade), "\(firstDecade) of 2000 below 1e-3")
        #expect(sampler.suggest(space: space, number: 42, history: []) == RandomSampler(seed: 7).suggest(space: space, number: 42, history: []))
        #expect(sampler.suggest(space: space, number: 42, history: []) != RandomSampler(seed: 8).suggest(space: space, number: 42, history: []))
    }

    @Test("the grid covers every combination once, then reports exhaustion; continuous floats are refused")
    func grid() throws {
        let space = try SearchSpace([
            .init("dropout", .float(low: 0, high: 0.3, step: 0.1)), .init("layers", .int(low: 1, high: 5, step: 2)),
            .init("cell", .categorical([.string("gru"), .string("lstm")])),
        ])
        let sampler = GridSampler(seed: 1)
        var history: [TrialSnapshot] = []
        for number in 0..<24 {
            let parameters = try #require(sampler.suggest(space: space, number: number, history: history))
            history.append(TrialSnapshot(number: number, parameters: parameters, state: .complete, value: 0))
        }
        #expect(Set(history.map(\.parameters)).count == 24)
        #expect(sampler.suggest(space: space, number: 24, history: history) == nil)
        #expect(throws: Distribution.Invalid.self) { try GridSampler(seed: 1).grid(of: try self.space()) }
    }

    @Test("the median pruner prunes the worse half after warm-up and start-up, and never a finite better trial")
    func medianPruner() {
        let pruner = MedianPruner(startupTrials: 3, warmupSteps: 10)
        let others = (0..<4).map { TrialSnapshot(number: $0, parameters: [:], state: .complete, value: 1, intermediate: [10: Double($0), 20: Double($0) / 2]) }
        let worse = TrialSnapshot(number: 9, parameters: [:], state: .running, intermediate: [10: 2.5])
        let better = TrialSnapshot(number: 9, parameters: [:], state: .running, intermediate: [10: 1.0])
        #expect(pruner.shouldPrune(worse, step: 10, others: others))      // median of 0,1,2,3 is 1.5
        #expect(!pruner.shouldPrune(better, step: 10, others: others))
        #expect(!pruner.shouldPrune(worse, step: 5, others: others), "warm-up")
        #expect(!pruner.shouldPrune(worse, step: 10, others: Array(others.prefix(2))), "start-up")
        let nan = TrialSnapshot(number: 9, parameters: [:], state: .running, intermediate: [10: .nan])
        #expect(pruner.shouldPrune(nan, step: 10, others: others))
    }
}

#if canImport(Glibc)
import Glibc
#endif
