import Foundation
import Testing
import TestScratch

@testable import SmartTuner

/// The trial's quality history survives its incarnations; the deadline, its grace and early
/// stops judge alignment over the trial, not one incarnation; good checkpoints are judged on
/// their own weights.
@Suite("Trial history, the alignment deadline and good checkpoints", .scratch)
struct TrialHistoryTests {
    func request(steps: Int = 12, resume: String? = nil, generation: Int = 0) -> TrainRequest {
        TrainRequest(trialID: "t", generation: generation, hyperparameters: ["learning_rate": 0.002], steps: steps,
                     validationInterval: 4, checkpointInterval: 4, checkpointDirectory: Scratch.path("trial"), resumeCheckpoint: resume)
    }

    func configuration(deadline: Int? = 8, patience: Int? = nil, restart: RestartPolicy = .standard,
                       _ script: @escaping @Sendable (Int, Int) -> ScriptedTrainer.Step) -> TrialConfiguration {
        var policy = EarlyStopPolicy()
        policy.alignmentDeadline = deadline
        policy.patience = patience
        return TrialConfiguration(makeTrainer: { _ in ScriptedTrainer(script: script) }, earlyStop: policy, restart: restart,
                                  backoff: Backoff(minimum: .milliseconds(1), maximum: .milliseconds(2)), logger: TrialSupervisorTests.quiet)
    }

    func story(_ record: TrialRecord) -> [String] {
        record.timeline.map(\.kind).filter { $0 != "quality" && $0 != "checkpoint" }
    }

    func restartCheckpoint(_ record: TrialRecord) -> String? {
        for case .restarted(_, _, _, let checkpoint, _, _) in record.timeline { return checkpoint }
        return nil
    }

    @Test("a trial aligned before the deadline and restarted after it keeps its alignment: no deadline failure")
    func historySurvivesRestart() async throws {
        // Aligned at steps 4 and 8; a NaN at step 10 restarts it from the step-8 checkpoint; at
        // step 12 (past the deadline) it is not aligned for one validation.
        let trial = TrialSupervisor(request: request(), configuration: configuration { generation, step in
            ScriptedTrainer.Step(loss: generation == 0 && step == 10 ? .nan : 1, attention: step == 12 ? .half : .diagonal)
        })
        let outcome = try await withCeiling { try await trial.run() }
        #expect(outcome == .completed(reason: .budget, step: 12))
        #expect(story(trial.record) == ["started", "firstAlignment", "failed(nonFinite)", "restarted(nonFinite)", "started",
                                        "finished(completed.budget)"])
        #expect(restartCheckpoint(trial.record)?.hasSuffix("g0/step-8.ckpt") == true)
    }

    @Test("an incarnation started from scratch must align again by the deadline")
    func scratchMustReprove() async throws {
        var restart = RestartPolicy.standard
        restart.rules[.nonFinite]?.resume = .scratch
        restart.maxRestartsPerTrial = 1
        let trial = TrialSupervisor(request: request(), configuration: configuration(restart: restart) { generation, step in
            ScriptedTrainer.Step(loss: generation == 0 && step == 10 ? .nan : 1, attention: generation == 0 ? .diagonal : .uniform)
        })
        let outcome = try await withCeiling { try await trial.run() }
        guard case .failed(.attentionCollapse, let evidence) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(evidence.values["step"] == 8 && evidence.summary.contains("below the failed level 0.4"), "\(evidence)")
    }

    @Test("a trial taken over past the deadline, whose stored checkpoints were aligned, is not failed for the deadline")
    func takeOverKeepsAlignment() async throws {
        let directory = Scratch.path("stored")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/step-8.ckpt"
        try Data("stored".utf8).write(to: URL(fileURLWithPath: path))
        let record = TrialRecord(trialID: "t")
        record.seed(checkpoints: [Checkpoint(step: 8, path: path, sha256: CheckpointDigest.hex(ofFile: path) ?? "", evaluation: 0.9,
                                             aligned: true)])
        let trial = TrialSupervisor(request: request(resume: path, generation: 1), configuration: configuration { _, _ in
            ScriptedTrainer.Step(attention: .half)
        }, record: record)
        #expect(try await withCeiling { try await trial.run() } == .completed(reason: .budget, step: 12))
    }

    @Test("past the deadline, a failed focus fails at once; an improving one gets its grace validations, and no more")
    func deadlineGrace() {
        func judge(_ focuses: [Double], grace: Int = 3) -> [TrialVerdict] {
            var policy = EarlyStopPolicy()
            policy.alignmentDeadline = 100
            policy.alignmentGraceValidations = grace
            policy.patience = nil
            var judge = EarlyStopJudge(policy: policy, failedFocus: 0.4)
            var tracker = QualityTracker()
            return focuses.enumerated().map { index, focus in
                let report = tracker.record(step: 100 * (index + 1), metrics: AlignmentMetrics(
                    focusRate: focus, coverage: 1, diagonality: 1, backJumpRate: 0, skipRate: 0, missingTokens: 0, entropy: 0, drift: 0))
                return judge.observe(validationLoss: 1, quality: report).verdict
            }
        }
        func causes(_ verdicts: [TrialVerdict]) -> [FailureCause?] {
            verdicts.map { if case .fail(let cause, _) = $0 { return cause } else { return nil } }
        }
        #expect(causes(judge([0.3])) == [.attentionCollapse], "below the failed level at the deadline")
        #expect(causes(judge([0.5, 0.6, 0.65, 0.75])) == [nil, nil, nil, nil], "improving, aligned within the grace")
        #expect(causes(judge([0.5, 0.6, 0.65, 0.66])) == [nil, nil, nil, .attentionCollapse], "grace used up")
        #expect(causes(judge([0.5, 0.3])) == [nil, .attentionCollapse], "fell below the failed level during the grace")
        #expect(causes(judge([0.5], grace: 0)) == [.attentionCollapse])
    }

    @Test("an early stop (patience or overfitting) of a trial that never aligned is an attention collapse, not a completion")
    func neverAlignedStop() async throws {
        let unaligned = TrialSupervisor(request: request(steps: 40), configuration: configuration(deadline: 1_000, patience: 2) { _, _ in
            ScriptedTrainer.Step(attention: .half)
        })
        let outcome = try await withCeiling { try await unaligned.run() }
        guard case .failed(.attentionCollapse, let evidence) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(evidence.summary.contains("without the trial ever aligning"), "\(evidence)")

        let aligned = TrialSupervisor(request: request(steps: 40), configuration: configuration(deadline: 1_000, patience: 2) { _, _ in
            ScriptedTrainer.Step()
        })
        guard case .completed(.converged, _) = try await withCeiling({ try await aligned.run() }) else {
            Issue.record("an aligned trial that stops improving completes as converged")
            return
        }
    }

    @Test("a checkpoint written after a non-finite gradient step is not good; resuming picks the one before it")
    func checkpointAfterNonFiniteGradient() async throws {
        // Step 8 has a NaN gradient norm (its loss is finite): the weights of the step-8
        // checkpoint came from that update, and every later loss of that run is NaN. The trainer
        // does not vouch for its weights (an external script).
        let trial = TrialSupervisor(request: request(), configuration: configuration(deadline: nil) { generation, step in
            ScriptedTrainer.Step(loss: generation == 0 && step > 8 ? .nan : 1, gradNorm: generation == 0 && step == 8 ? .nan : 1,
                                 validationLoss: generation == 0 && step > 8 ? .nan : 0.5, weightsFinite: nil)
        })
        #expect(try await withCeiling { try await trial.run() } == .completed(reason: .budget, step: 12))
        #expect(restartCheckpoint(trial.record)?.hasSuffix("g0/step-4.ckpt") == true, "\(restartCheckpoint(trial.record) ?? "scratch")")
        let step8 = try #require(trial.record.checkpoints.first { $0.generation == 0 && $0.step == 8 })
        #expect(!step8.good && step8.evaluation?.isNaN == true, "judged by the next step's loss, not the loss before it")
    }

    @Test("a checkpoint whose weights the trainer found non-finite is never good, whatever its loss")
    func nonFiniteWeights() async throws {
        let trial = TrialSupervisor(request: request(), configuration: configuration(deadline: nil) { generation, step in
            ScriptedTrainer.Step(loss: generation == 0 && step == 10 ? .nan : 1, weightsFinite: !(generation == 0 && step == 8))
        })
        #expect(try await withCeiling { try await trial.run() } == .completed(reason: .budget, step: 12))
        #expect(restartCheckpoint(trial.record)?.hasSuffix("g0/step-4.ckpt") == true)
    }
}
