import Testing

@testable import SmartTuner

@Suite("The checkpoint a taken-over trial resumes from")
struct TakeOverResumePointTests {
    func checkpoints(_ steps: [Int]) -> [StoredCheckpoint] {
        steps.map { StoredCheckpoint(generation: 0, step: $0, path: "/c\($0)", sha256: "x", loss: 1, aligned: false) }
    }

    func choose(_ steps: [Int], recorded: [Int], interval: Int = 10, budget: Int = 40,
                failing: Set<Int> = []) -> Int? {
        TakeOverResumePoint.choose(from: checkpoints(steps), recorded: Dictionary(uniqueKeysWithValues: recorded.map { ($0, 1.0) }),
                                   interval: interval, budget: budget) { !failing.contains($0.step) }?.step
    }

    @Test("the newest good checkpoint whose validations are all recorded")
    func newestFullyRecorded() {
        #expect(choose([40, 30, 20, 10], recorded: [10, 20, 30, 40]) == 40, "everything recorded: the budget's end")
        #expect(choose([40, 30, 20, 10], recorded: [10]) == 10, "validations 20–40 were lost with the worker: redo them")
        #expect(choose([40, 30, 20, 10], recorded: []) == nil, "no validation recorded, none before the first checkpoint: scratch")
        #expect(choose([15, 5], recorded: []) == 5, "a checkpoint before the first validation loses nothing")
        #expect(choose([40, 30, 20, 10], recorded: [10, 20, 30, 40], failing: [40]) == 30, "a checkpoint that does not verify is skipped")
    }

    @Test("checkpoints between validations, and a budget that is not a multiple of the interval")
    func offGrid() {
        #expect(choose([250, 200, 150], recorded: [100, 200], interval: 100, budget: 1_000) == 250)
        #expect(choose([35, 30, 20], recorded: [10, 20, 30], budget: 35) == 30, "the budget's last step validates too")
        #expect(choose([35, 30, 20], recorded: [10, 20, 30, 35], budget: 35) == 35)
    }
}
