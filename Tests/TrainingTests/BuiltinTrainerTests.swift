import Foundation
import Testing
import TinyTacotron
import TestScratch

@testable import BuiltinTraining
@testable import Training

@Suite("Built-in trainer behind the contract", .scratch)
struct BuiltinTrainerTests {
    let trainer = BuiltinTrainer(corpus: TrainingFixtures.tinyCorpus)

    @Test("it emits hello, steps, validations, checkpoints and finished, in order")
    func eventSequence() async throws {
        let log = EventLog()
        try await trainer.train(TrainingFixtures.request(), control: TrainerControl()) { log.append($0) }
        #expect(log.kinds.filter { $0 != "heartbeat" } == [
            "hello", "step1", "step2", "step3", "validation3", "step4", "checkpoint4", "step5", "step6", "validation6",
            "checkpoint6", "finished6",
        ])
        guard case .validation(let validation) = log.events.first(where: { if case .validation = $0 { return true }; return false })
        else { Issue.record("no validation"); return }
        #expect(validation.samples.count == 2)
        #expect(validation.samples.allSatisfy { $0.attention.count == $0.frames * $0.tokens && $0.trueAlignment?.count == $0.frames })
    }

    @Test("a resumed incarnation continues from the checkpoint with new hyperparameters")
    func resumeWithAdjustedParameters() async throws {
        let directory = TrainingFixtures.temporaryDirectory()
        let first = EventLog()
        try await trainer.train(TrainingFixtures.request(steps: 4, directory: directory), control: TrainerControl()) { first.append($0) }
        guard case .checkpoint(let checkpoint) = first.events.last(where: { if case .checkpoint = $0 { return true }; return false })
        else { Issue.record("no checkpoint"); return }
        var request = TrainingFixtures.request(steps: 6, directory: directory)
        request.generation = 1
        request.resumeCheckpoint = checkpoint.path
        request.hyperparameters["learning_rate"] = 0.0005
        let second = EventLog()
        try await trainer.train(request, control: TrainerControl()) { second.append($0) }
        let steps = second.events.compactMap { event -> StepMetrics? in if case .step(let m) = event { return m }; return nil }
        #expect(steps.map(\.step) == [5, 6])
        #expect(steps.allSatisfy { $0.learningRate == 0.0005 })
        request.hyperparameters["decoder_size"] = 16
        await #expect(throws: CheckpointError.self) { try await trainer.train(request, control: TrainerControl()) { _ in } }
    }

    @Test("faults: nan poisons, spike spikes, gradexplode explodes, crash throws, oom fails in-process, trap is refused")
    func faults() async throws {
        func steps(_ plan: String) async throws -> [StepMetrics] {
            let log = EventLog()
            try await trainer.train(TrainingFixtures.request(faults: try FaultPlan(parsing: plan)), control: TrainerControl()) { log.append($0) }
            return log.events.compactMap { event -> StepMetrics? in if case .step(let m) = event { return m }; return nil }
        }
        let nan = try await steps("nan@3")
        #expect(nan[0].totalLoss.isFinite && nan[1].totalLoss.isFinite)
        #expect(nan[2...].allSatisfy { $0.totalLoss.isNaN }, "the poisoned weight keeps the loss NaN")
        let spike = try await steps("spike@2")
        #expect(spike[1].totalLoss > 50 * spike[0].totalLoss && spike[2].totalLoss < 10 * spike[0].totalLoss)
        let explode = try await steps("gradexplode@4")
        #expect(explode[2].gradNorm < 100 && explode[3...].allSatisfy { $0.gradNorm > 1_000 })
        let slow = try await steps("slow@1")
        #expect(slow.count == 6)

        await #expect(throws: TrainerFailure.injectedCrash(step: 2)) {
            try await trainer.train(TrainingFixtures.request(faults: try FaultPlan(parsing: "crash@2")), control: TrainerControl()) { _ in }
        }
        let oom = await #expect(throws: TrainerFailure.self) {
            try await trainer.train(TrainingFixtures.request(faults: try FaultPlan(parsing: "oom@2")), control: TrainerControl()) { _ in }
        }
        if case .outOfMemory = oom {} else { Issue.record("expected outOfMemory, got \(String(describing: oom))") }
        let trap = await #expect(throws: TrainerFailure.self) {
            try await trainer.train(TrainingFixtures.request(faults: try FaultPlan(parsing: "trap@2")), control: TrainerControl()) { _ in }
        }
        if case .invalidRequest = trap {} else { Issue.record("expected invalidRequest, got \(String(describing: trap))") }
        // A fault of another incarnation does not fire.
        #expect(try await steps("crash@2:1").count == 6)
    }

    @Test("a hang stops all events until the incarnation is cancelled")
    func hang() async throws {
        let log = EventLog()
        let trainer = self.trainer
        let running = Task {
            try await trainer.train(TrainingFixtures.request(faults: try FaultPlan(parsing: "hang@3")), control: TrainerControl()) { log.append($0) }
        }
        // Waits for step 2 itself, with a ceiling that fails the test rather than hanging it.
        let ceiling = ContinuousClock.now + .seconds(120)
        while !log.kinds.contains("step2") {
            guard ContinuousClock.now < ceiling else {
                running.cancel()
                Issue.record("no step 2 within 120 s: \(log.kinds)")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!log.kinds.contains("step3"))
        running.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
    }

    @Test("stop and checkpoint requests are honoured at the next step")
    func control() async throws {
        let control = TrainerControl()
        control.requestCheckpoint()
        let log = EventLog()
        try await trainer.train(TrainingFixtures.request(steps: 50), control: control) { event in
            log.append(event)
            if case .step(let m) = event, m.step == 2 { control.requestStop() }
        }
        #expect(log.kinds.filter { $0 != "heartbeat" } == ["hello", "step1", "checkpoint1", "step2", "checkpoint2", "finished2"])
    }

    @Test("bad hyperparameters are refused before any training")
    func badRequest() async {
        var request = TrainingFixtures.request()
        request.hyperparameters["learning_rate"] = -1
        let error = await #expect(throws: TrainerFailure.self) { try await trainer.train(request, control: TrainerControl()) { _ in } }
        #expect(error?.description.contains("learning_rate") == true)
    }
}
