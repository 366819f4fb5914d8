import Testing

@testable import Optimization

@Suite("Pruners")
struct PrunerTests {
    func trial(_ number: Int, _ values: [Int: Double], state: TrialState = .running) -> TrialSnapshot {
        TrialSnapshot(number: number, parameters: [:], state: state, intermediate: values)
    }

    @Test("successive halving: rungs at r·η^(s+k)")
    func rungs() {
        #expect(SuccessiveHalvingPruner(minimumResource: 100, reductionFactor: 3).rungs(upTo: 1_000) == [100, 300, 900])
        #expect(SuccessiveHalvingPruner(minimumResource: 10, reductionFactor: 2, minimumEarlyStoppingRate: 1).rungs(upTo: 100) == [20, 40, 80])
        #expect(SuccessiveHalvingPruner(minimumResource: 100).rungs(upTo: 99).isEmpty)
    }

    @Test("successive halving promotes the top 1/η at a rung and prunes the rest, judging only when a rung is crossed")
    func asha() {
        let pruner = SuccessiveHalvingPruner(minimumResource: 100, reductionFactor: 3)
        let others = [trial(0, [100: 1.0], state: .pruned), trial(1, [100: 2.0], state: .pruned),
                      trial(2, [100: 0.5, 300: 0.4], state: .complete), trial(3, [100: 3.0], state: .pruned),
                      trial(4, [100: 4.0])]
        // Six at rung 100 → the best two go on: 0.5 and 1.0 (and 0.7 beats 1.0).
        #expect(pruner.prune(trial(9, [100: 0.7]), step: 100, others: others) == nil)
        #expect(pruner.prune(trial(9, [100: 1.5]), step: 100, others: others) != nil)
        #expect(pruner.prune(trial(9, [100: 1.5, 200: 1.4]), step: 200, others: others) == nil, "no rung crossed at 200")
        #expect(pruner.prune(trial(9, [100: .nan]), step: 100, others: others) != nil)
        // Alone at a rung, the best so far goes on.
        #expect(pruner.prune(trial(9, [100: 9.0, 300: 0.3]), step: 300, others: others) == nil)
        #expect(pruner.prune(trial(9, [100: 9.0, 300: 0.45]), step: 300, others: others) != nil, "0.4 leads rung 300")
    }

    @Test("the patient pruner waits for a stall, then asks the wrapped pruner")
    func patient() {
        let always = ThresholdPruner(upper: -1)   // prunes any value
        let pruner = PatientPruner(wrapping: always, patience: 2, minDelta: 0.1)
        #expect(pruner.prune(trial(0, [1: 5, 2: 4, 3: 3, 4: 2]), step: 4, others: []) == nil, "improving")
        #expect(pruner.prune(trial(0, [1: 5, 2: 4, 3: 4.0, 4: 3.95]), step: 4, others: []) == nil, "3.95 beats 5 by more than 0.1")
        #expect(pruner.prune(trial(0, [1: 5, 2: 4, 3: 4.0, 4: 3.95, 5: 4.1]), step: 5, others: []) != nil, "stalled three reports")
        #expect(pruner.prune(trial(0, [1: 5, 2: 4, 3: 4.0]), step: 3, others: []) == nil, "too few reports")
        let stalledButGood = PatientPruner(wrapping: NopPruner(), patience: 1)
        #expect(stalledButGood.prune(trial(0, [1: 1, 2: 1, 3: 1]), step: 3, others: []) == nil)
        #expect(PatientPruner(wrapping: nil, patience: 1).prune(trial(0, [1: 1, 2: 1, 3: 1]), step: 3, others: []) != nil)
    }

    @Test("the threshold pruner prunes NaN and values out of bounds after warm-up")
    func threshold() {
        let pruner = ThresholdPruner(lower: 0, upper: 10, warmupSteps: 5)
        #expect(pruner.prune(trial(0, [6: .nan]), step: 6, others: []) != nil)
        #expect(pruner.prune(trial(0, [6: 11]), step: 6, others: []) != nil)
        #expect(pruner.prune(trial(0, [6: -1]), step: 6, others: []) != nil)
        #expect(pruner.prune(trial(0, [6: 5]), step: 6, others: []) == nil)
        #expect(pruner.prune(trial(0, [4: .nan]), step: 4, others: []) == nil, "warm-up")
    }
}
