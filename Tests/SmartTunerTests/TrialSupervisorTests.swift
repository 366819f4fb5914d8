import Foundation
import Logging
import Testing
import TestScratch
import TinyTacotron

@testable import SmartTuner

/// Each failure cause end to end on a tiny built-in model: the recorded event sequence, the
/// adjusted hyperparameters, the checkpoint resumed from, and the outcome.
@Suite("Trial supervision and smart restart", .scratch)
struct TrialSupervisorTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static var tinyCorpus: CorpusConfiguration { .miniature }

    static var smartTuner: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("smart-tuner").path
    }

    func request(_ faults: String, steps: Int = 12) throws -> TrainRequest {
        var request = TrainRequest(
            trialID: "t", hyperparameters: ["encoder_size": 8, "prenet_size": 8, "decoder_size": 8, "attention_size": 4,
                                           "batch_size": 4, "learning_rate": 0.002, "grad_clip": 1],
            steps: steps, validationInterval: 4, checkpointInterval: 4,
            checkpointDirectory: Scratch.path("trial"),
            attentionSamples: 2, heartbeatInterval: 0.05, faults: try FaultPlan(parsing: faults))
        request.builtin = BuiltinOptions(corpus: .miniature)
        return request
    }

    func configuration(childProcess: Bool = false, maxRestarts: Int = 3, budget: RestartBudget? = nil,
                       heartbeat: Duration = .seconds(30), trainer: (any Trainer)? = nil) -> TrialConfiguration {
        var policy = EarlyStopPolicy()
        policy.alignmentDeadline = nil   // the tiny model never aligns; other criteria are under test
        policy.patience = nil
        var restart = RestartPolicy.standard
        restart.maxRestartsPerTrial = maxRestarts
        let corpus = Self.tinyCorpus
        return TrialConfiguration(
            makeTrainer: { _ -> any Trainer in
                if let trainer { return trainer }
                if childProcess {
                    return ProcessTrainer(executable: Self.smartTuner, arguments: ["worker"], heartbeatTimeout: heartbeat,
                                          terminationGrace: .milliseconds(300))
                }
                return BuiltinTrainer(corpus: corpus)
            },
            earlyStop: policy, restart: restart, backoff: Backoff(minimum: .milliseconds(1), maximum: .milliseconds(5)),
            heartbeatTimeout: heartbeat, restartBudget: budget, logger: Self.quiet)
    }

    /// The timeline without the frequent kinds.
    func story(_ record: TrialRecord) -> [String] {
        record.timeline.map(\.kind).filter { $0 != "quality" && $0 != "checkpoint" }
    }

    func firstRestart(_ record: TrialRecord) -> (changes: [ParameterChange], checkpoint: String?)? {
        for event in record.timeline {
            if case .restarted(_, _, let changes, let checkpoint, _, _) = event { return (changes, checkpoint) }
        }
        return nil
    }

    @Test("injected NaN → nonFinite → half the learning rate, from the last good checkpoint → completes")
    func nanRecovers() async throws {
        let trial = TrialSupervisor(request: try request("nan@7"), configuration: configuration())
        let outcome = try await trial.run()
        #expect(story(trial.record) == ["started", "failed(nonFinite)", "restarted(nonFinite)", "started", "finished(completed.budget)"])
        #expect(outcome == .completed(reason: .budget, step: 12))
        let restart = try #require(firstRestart(trial.record))
        #expect(restart.changes.contains(ParameterChange(name: "learning_rate", from: 0.002, to: 0.001)))
        #expect(restart.changes.contains(ParameterChange(name: "grad_clip", from: 1, to: 0.5)))
        #expect(restart.checkpoint?.hasSuffix("g0/checkpoint-0000004.safetensors") == true, "the last good checkpoint before the NaN")
        if case .failed(_, _, let evidence) = trial.record.timeline.first(where: { $0.kind == "failed(nonFinite)" }) {
            #expect(evidence.values["step"] == 7)
        }
    }

    /// Emits its steps as fast as it can and returns; in generation 0 the last loss is NaN.
    struct LastStepNaNTrainer: Trainer {
        func train(_ request: TrainRequest, control: TrainerControl,
                   emit: @escaping @Sendable (TrainingEvent) async throws -> Void) async throws {
            for step in 1...request.steps {
                let loss = request.generation == 0 && step == request.steps ? Double.nan : 1 / Double(step)
                try await emit(.step(StepMetrics(step: step, losses: ["total": loss], gradNorm: 1, learningRate: 0.001, throughput: 1)))
            }
        }
    }

    /// Logs `count` lines at each of debug, info and warning, one error, then returns.
    struct ChattyTrainer: Trainer {
        let count: Int
        func train(_ request: TrainRequest, control: TrainerControl,
                   emit: @escaping @Sendable (TrainingEvent) async throws -> Void) async throws {
            for index in 1...count {
                for level in ["debug", "info", "WARNING"] { try await emit(.log(level: level, message: "\(level) \(index)")) }
            }
            try await emit(.log(level: "error", message: String(repeating: "e", count: 5_000)))
            try await emit(.step(StepMetrics(step: 1, losses: ["total": 1], gradNorm: 1, learningRate: 0.001, throughput: 1)))
        }
    }

    @Test("a trainer's warnings and errors are kept in the trial's timeline, at most 50 an incarnation and 1 000 characters each")
    func trainerMessagesKept() async throws {
        func kept(_ count: Int) async throws -> [(level: String, message: String)] {
            let trial = TrialSupervisor(request: try request(""), configuration: configuration(trainer: ChattyTrainer(count: count)))
            _ = try await trial.run()
            return trial.record.timeline.compactMap { event in
                if case .trainerMessage(0, let level, let message) = event { return (level, message) }
                return nil
            }
        }
        let few = try await kept(3)
        #expect(few.map(\.level) == ["warning", "warning", "warning", "error"])
        #expect(few.map(\.message).prefix(3) == ["WARNING 1", "WARNING 2", "WARNING 3"] && few.last?.message.count == 1_000)
        let many = try await kept(80)
        #expect(many.count == 50 && many.allSatisfy { $0.level == "warning" })
        #expect(many.last?.message == "WARNING 50 (further warnings of this incarnation are not kept)")
    }

    @Test("a NaN in the very last step still fails the incarnation: its end waits for the judge's verdicts",
          arguments: 0..<10)
    func nanInLastStepFails(run: Int) async throws {
        let trial = TrialSupervisor(request: try request(""), configuration: configuration(trainer: LastStepNaNTrainer()))
        let outcome = try await trial.run()
        #expect(story(trial.record) == ["started", "failed(nonFinite)", "restarted(nonFinite)", "started", "finished(completed.budget)"],
                "run \(run)")
        #expect(outcome == .completed(reason: .budget, step: 12))
    }

    @Test("a thrown error → crash → restarted unchanged from the last good checkpoint")
    func crashRecovers() async throws {
        let trial = TrialSupervisor(request: try request("crash@6"), configuration: configuration())
        #expect(try await trial.run() == .completed(reason: .budget, step: 12))
        #expect(story(trial.record) == ["started", "failed(crash)", "restarted(crash)", "started", "finished(completed.budget)"])
        #expect(firstRestart(trial.record)?.changes.isEmpty == true)
        #expect(firstRestart(trial.record)?.checkpoint?.hasSuffix("checkpoint-0000004.safetensors") == true)
    }

    @Test("an in-process hang → killed at the heartbeat timeout (on the injected clock) → recovered")
    func hangRecovers() async throws {
        let clock = ManualClock()
        var configuration = configuration(heartbeat: .seconds(60))
        configuration.time = TimeSource(clock)
        let trial = TrialSupervisor(request: try request("hang@6"), configuration: configuration)
        let running = Task { try await trial.run() }
        // Time passes only while the trainer hangs (at step 6, after step 5) and for the
        // restart's backoff: a minute of silence on the manual clock, no real waiting.
        let outcome = try await withCeiling { () -> TrialOutcome in
            while trial.record.outcome == nil {
                let kinds = trial.record.timeline.map(\.kind)
                let hanging = trial.record.lastStep == 5 && !kinds.contains("failed(hang)")
                let backingOff = kinds.contains("restarted(hang)") && kinds.filter { $0 == "started" }.count < 2
                if hanging || backingOff { clock.advance(by: .seconds(5)) }
                try await Task.sleep(for: .milliseconds(2))
            }
            return try await running.value
        }
        #expect(outcome == .completed(reason: .budget, step: 12))
        #expect(story(trial.record) == ["started", "failed(hang)", "restarted(hang)", "started", "finished(completed.budget)"])
    }

    @Test("out of memory → batch size halved")
    func outOfMemoryHalvesBatch() async throws {
        let trial = TrialSupervisor(request: try request("oom@6"), configuration: configuration())
        #expect(try await trial.run() == .completed(reason: .budget, step: 12))
        #expect(story(trial.record) == ["started", "failed(outOfMemory)", "restarted(outOfMemory)", "started", "finished(completed.budget)"])
        #expect(firstRestart(trial.record)?.changes == [ParameterChange(name: "batch_size", from: 4, to: 2)])
    }

    @Test("child mode: a trap aborts the worker → crash → recovered; a silent worker is killed as a hang")
    func childProcess() async throws {
        let trapped = TrialSupervisor(request: try request("trap@6"), configuration: configuration(childProcess: true))
        #expect(try await trapped.run() == .completed(reason: .budget, step: 12))
        #expect(story(trapped.record) == ["started", "failed(crash)", "restarted(crash)", "started", "finished(completed.budget)"])
        if case .failed(_, _, let evidence) = trapped.record.timeline.first(where: { $0.kind == "failed(crash)" }) {
            #expect(evidence.values["signal"] == Double(SIGABRT))
        }
        let hung = TrialSupervisor(request: try request("hang@6"), configuration: configuration(childProcess: true, heartbeat: .milliseconds(600)))
        #expect(try await hung.run() == .completed(reason: .budget, step: 12))
        #expect(story(hung.record) == ["started", "failed(hang)", "restarted(hang)", "started", "finished(completed.budget)"])
    }

    @Test("the per-trial restart limit ends a trial that keeps failing")
    func restartLimit() async throws {
        let trial = TrialSupervisor(request: try request("crash@2:all"), configuration: configuration(maxRestarts: 2))
        let outcome = try await trial.run()
        guard case .failed(.crash, _) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(story(trial.record) == ["started", "failed(crash)", "restarted(crash)", "started", "failed(crash)",
                                        "restarted(crash)", "started", "failed(crash)", "finished(failed.crash)"])
    }

    @Test("a restart storm exhausts the session's intensity: escalation, no further restarts")
    func restartStorm() async throws {
        let budget = RestartBudget(RestartIntensity(maxRestarts: 3, within: .seconds(600)))
        let trial = TrialSupervisor(request: try request("crash@2:all"), configuration: configuration(maxRestarts: 100, budget: budget))
        await #expect(throws: SupervisorEscalation.self) { try await trial.run() }
        let kinds = story(trial.record)
        #expect(kinds.filter { $0 == "restarted(crash)" }.count == 3)
        #expect(kinds.last == "finished(escalated)")
        #expect(!budget.admit(), "the budget stays spent")
    }
}
