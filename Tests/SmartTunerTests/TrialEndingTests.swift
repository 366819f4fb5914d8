import Foundation
import Logging
import Testing
import TestScratch

@testable import SmartTuner

/// Every way a trial's tree can end reaches the caller as the trial's outcome (DESIGN §2), and
/// report data the trainer gets wrong is its fault, with a clear message and no restart.
@Suite("How a trial ends", .scratch)
struct TrialEndingTests {
    struct Broken: Error, CustomStringConvertible {
        let description = "the analysis broke"
    }

    func request(steps: Int = 12) -> TrainRequest {
        TrainRequest(trialID: "t", hyperparameters: ["learning_rate": 0.002], steps: steps, validationInterval: 4,
                     checkpointInterval: 4, checkpointDirectory: Scratch.path("trial"))
    }

    func configuration(_ script: @escaping @Sendable (Int, Int) -> ScriptedTrainer.Step) -> TrialConfiguration {
        var policy = EarlyStopPolicy()
        policy.alignmentDeadline = nil
        policy.patience = nil
        return TrialConfiguration(makeTrainer: { _ in ScriptedTrainer(script: script) }, earlyStop: policy,
                                  backoff: Backoff(minimum: .milliseconds(1), maximum: .milliseconds(2)), logger: TrialSupervisorTests.quiet)
    }

    /// Runs one trial under a running root, as a study does; returns its outcome and record and
    /// whether the root still admits trials afterwards.
    func runUnderRoot(_ configuration: TrialConfiguration) async throws -> (TrialOutcome, TrialRecord, admitting: Bool) {
        try await withCeiling {
            let root = TuningSupervisor(trialConfiguration: configuration, alerts: AlertActor(sinks: []), logger: TrialSupervisorTests.quiet)
            let running = Task { try await root.run() }
            defer { root.shutdown() }
            var result: (TrialOutcome, TrialRecord)?
            while result == nil {
                do {
                    result = try await root.runTrial(request())
                } catch SupervisorError.notRunning {
                    await Task.yield()   // the root's loop is not up yet
                }
            }
            let admitting = root.admissionOpen
            root.shutdown()
            _ = try? await running.value
            guard let (outcome, record) = result else { throw Broken() }
            return (outcome, record, admitting)
        }
    }

    func story(_ record: TrialRecord) -> [String] {
        record.timeline.map(\.kind).filter { $0 != "quality" && $0 != "checkpoint" }
    }

    @Test("attention with 3 values fewer than frames × tokens: the trainer's fault, named, not restarted; the trial ends")
    func malformedAttention() async throws {
        let short = AttentionSample(frames: 4, tokens: 4, attention: [Float](repeating: 0.25, count: 13))
        let (outcome, record, admitting) = try await runUnderRoot(configuration { _, step in
            ScriptedTrainer.Step(attention: step >= 8 ? .samples([ScriptedTrainer.samples(.diagonal)[0], short]) : .diagonal)
        })
        guard case .failed(.trainerFault, let evidence) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(evidence.summary.contains("validation at step 8, sample 1: attention has 13 values; 4 frames × 4 tokens needs 16"), "\(evidence)")
        #expect(story(record) == ["started", "firstAlignment", "failed(trainerFault)", "finished(failed.trainerFault)"])
        #expect(!record.timeline.contains { $0.kind.hasPrefix("restarted") }, "no hyperparameter is changed for bad data")
        #expect(admitting, "one trial's bad data does not stop the session")
    }

    @Test("NaN attention with a finite loss is the trainer's fault; with a NaN loss it is a non-finite training failure")
    func nanAttention() async throws {
        var nan = ScriptedTrainer.samples(.diagonal)[0]
        nan.attention[5] = .nan
        let poisoned = nan
        let (outcome, _, _) = try await runUnderRoot(configuration { _, step in
            ScriptedTrainer.Step(attention: step == 8 ? .samples([poisoned]) : .diagonal)
        })
        guard case .failed(.trainerFault, let evidence) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(evidence.summary.contains("sample 0: attention weight nan at frame 1, token 1"), "\(evidence)")

        let (diverged, record, _) = try await runUnderRoot(configuration { generation, step in
            generation == 0 && step == 8 ? ScriptedTrainer.Step(attention: .samples([poisoned]), validationLoss: .nan) : ScriptedTrainer.Step()
        })
        #expect(diverged == .completed(reason: .budget, step: 12))
        #expect(story(record) == ["started", "firstAlignment", "failed(nonFinite)", "restarted(nonFinite)", "started", "finished(completed.budget)"])
    }

    @Test("rows that do not sum to 1, negative weights and a gate per frame missing are each named")
    func otherBadData() throws {
        func problem(_ sample: AttentionSample) -> String? {
            do {
                try ValidationMetrics(step: 3, losses: ["total": 1], samples: [sample]).checkReportData()
                return nil
            } catch {
                return error.description
            }
        }
        let diagonal = ScriptedTrainer.samples(.diagonal)[0]
        var unnormalised = diagonal
        unnormalised.attention[0] = 0.5
        #expect(problem(unnormalised)?.contains("frame 0 sums to 0.5, not 1") == true)
        var negative = diagonal
        negative.attention[1] = -0.25
        #expect(problem(negative)?.contains("negative attention weight -0.25 at frame 0, token 1") == true)
        var gates = diagonal
        gates.gateLogits = [0, 0, 0]
        #expect(problem(gates)?.contains("3 gate logits for 4 frames") == true)
        var truth = diagonal
        truth.trueAlignment = [0, 1, 2, 9]
        #expect(problem(truth)?.contains("true alignment token 9 at frame 3 is outside 0..<4") == true)
        #expect(problem(AttentionSample(frames: 0, tokens: 4, attention: [])) != nil)
        #expect(problem(diagonal) == nil)
    }

    @Test("a quality analysis that keeps throwing ends the trial as failed, and the session goes on")
    func throwingQualityAnalysis() async throws {
        var configuration = configuration { _, _ in ScriptedTrainer.Step() }
        configuration.alignmentAnalysis = { _ in throw Broken() }
        let (outcome, _, admitting) = try await runUnderRoot(configuration)
        guard case .failed(.crash, let evidence) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(evidence.summary.contains("'quality'") && evidence.summary.contains("the analysis broke"), "\(evidence)")
        #expect(admitting)
    }

    @Test("a judge whose pruning check keeps throwing ends the trial as failed, and the session goes on")
    func throwingJudge() async throws {
        var configuration = configuration { _, _ in ScriptedTrainer.Step() }
        configuration.pruneCheck = { _, _, _ in throw Broken() }
        let (outcome, _, admitting) = try await runUnderRoot(configuration)
        guard case .failed(.crash, let evidence) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(evidence.summary.contains("'early-stop'") && evidence.summary.contains("the analysis broke"), "\(evidence)")
        #expect(admitting)
    }

    @Test("a restart storm past the session's budget returns the escalated outcome and closes admission")
    func sessionEscalation() async throws {
        var configuration = configuration { _, step in ScriptedTrainer.Step(loss: step == 2 ? .nan : 1) }
        configuration.restartBudget = RestartBudget(RestartIntensity(maxRestarts: 2, within: .seconds(3_600)))
        configuration.restart.maxRestartsPerTrial = 100
        let (outcome, _, admitting) = try await runUnderRoot(configuration)
        guard case .escalated = outcome else { Issue.record("got \(outcome)"); return }
        #expect(!admitting)
    }

    @Test("a graceful shutdown of the root ends a running trial as stopped, with its outcome returned")
    func shutdownStops() async throws {
        let outcome = try await withCeiling { () -> TrialOutcome in
            let gate = AsyncStream.makeStream(of: Void.self)
            let configuration = configuration { _, step in
                if step == 3 { gate.continuation.yield() }
                return ScriptedTrainer.Step()
            }
            let root = TuningSupervisor(trialConfiguration: configuration, alerts: AlertActor(sinks: []), logger: TrialSupervisorTests.quiet)
            let running = Task { try await root.run() }
            var long = request(steps: 100_000_000)
            long.checkpointInterval = 0
            let trial = Task {
                while true {
                    do { return try await root.runTrial(long).outcome } catch SupervisorError.notRunning { await Task.yield() }
                }
            }
            for await _ in gate.stream { break }
            root.shutdown()
            _ = try? await running.value
            return try await trial.value
        }
        guard case .completed(.stopped, let step) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(step >= 3)
    }
}
