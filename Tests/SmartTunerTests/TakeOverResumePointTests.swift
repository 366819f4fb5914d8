import Foundation
import Testing
import TestScratch

@testable import SmartTuner

@Suite("The checkpoint a taken-over trial resumes from", .scratch)
struct TakeOverResumePointTests {
    /// Checkpoint files at `steps`; those in `corrupt` do not verify.
    func checkpoints(_ steps: [Int], corrupt: Set<Int> = []) throws -> [Checkpoint] {
        let directory = try Scratch.folder("take-over")
        return try steps.map { step in
            let path = directory + "/c\(step)"
            try Data("step \(step)".utf8).write(to: URL(fileURLWithPath: path))
            let digest = corrupt.contains(step) ? String(repeating: "0", count: 64) : (CheckpointDigest.hex(ofFile: path) ?? "")
            return Checkpoint(step: step, path: path, sha256: digest, evaluation: 1)
        }
    }

    func choose(_ steps: [Int], recorded: [Int], interval: Int = 10, budget: Int = 40, corrupt: Set<Int> = []) throws -> Int? {
        TakeOverResumePoint.choose(from: try checkpoints(steps, corrupt: corrupt), recorded: Dictionary(uniqueKeysWithValues: recorded.map { ($0, 1.0) }),
                                   interval: interval, budget: budget)?.step
    }

    @Test("the newest good checkpoint whose validations are all recorded")
    func newestFullyRecorded() throws {
        #expect(try choose([40, 30, 20, 10], recorded: [10, 20, 30, 40]) == 40, "everything recorded: the budget's end")
        #expect(try choose([40, 30, 20, 10], recorded: [10]) == 10, "validations 20–40 were lost with the worker: redo them")
        #expect(try choose([40, 30, 20, 10], recorded: []) == nil, "no validation recorded, none before the first checkpoint: scratch")
        #expect(try choose([15, 5], recorded: []) == 5, "a checkpoint before the first validation loses nothing")
        #expect(try choose([40, 30, 20, 10], recorded: [10, 20, 30, 40], corrupt: [40]) == 30, "a checkpoint that does not verify is skipped")
    }

    @Test("checkpoints between validations, and a budget that is not a multiple of the interval")
    func offGrid() throws {
        #expect(try choose([250, 200, 150], recorded: [100, 200], interval: 100, budget: 1_000) == 250)
        #expect(try choose([35, 30, 20], recorded: [10, 20, 30], budget: 35) == 30, "the budget's last step validates too")
        #expect(try choose([35, 30, 20], recorded: [10, 20, 30, 35], budget: 35) == 35)
    }

    @Test("the one rule: not good (non-finite weights, or a NaN evaluation) is never chosen; unevaluated counts when vouched for")
    func oneRule() throws {
        var list = try checkpoints([30, 20, 10])
        list[0].weightsFinite = false
        list[1].evaluation = .nan
        #expect(Checkpoint.resumePoint(from: list)?.step == 10)
        list[0].weightsFinite = true
        list[0].evaluation = nil
        #expect(Checkpoint.resumePoint(from: list)?.step == 30)
        list[0].weightsFinite = nil
        #expect(Checkpoint.resumePoint(from: list)?.step == 10, "no evaluation and nobody vouched: not good")
    }

    @Test("a newer checkpoint another host wrote where this one cannot read it is passed over, and the record says why and what was taken")
    func unreadableOnThisHost() throws {
        var list = try checkpoints([10, 20, 30], corrupt: [20])
        list.append(Checkpoint(step: 30, path: "/nonexistent/gpu-7/c30", sha256: list[2].sha256, evaluation: 1, host: "gpu-7"))
        list.remove(at: 2)
        let recorded = [10: 1.0, 20: 1.0, 30: 1.0]
        let chosen = TakeOverResumePoint.choose(from: list, recorded: recorded, interval: 10, budget: 40)
        #expect(chosen?.step == 10)
        let note = try #require(TakeOverResumePoint.passedOver(list, chosen: chosen, recorded: recorded, interval: 10, budget: 40))
        #expect(note.contains("step 30 (/nonexistent/gpu-7/c30 written on gpu-7): this host cannot read it"))
        #expect(note.contains("step 20") && note.contains("its SHA-256 does not verify"))
        #expect(note.contains("it resumes from step 10") && note.contains("trainer.directory"))
        let none = TakeOverResumePoint.passedOver(list.filter { $0.step == 10 }, chosen: chosen, recorded: recorded, interval: 10, budget: 40)
        #expect(none == nil, "nothing newer: nothing to say")
        let scratch = TakeOverResumePoint.passedOver([list[2]], chosen: nil, recorded: recorded, interval: 10, budget: 40)
        #expect(scratch?.contains("it starts from scratch") == true)
    }
}
