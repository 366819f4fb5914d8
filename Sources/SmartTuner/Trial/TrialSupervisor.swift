import Foundation
import Synchronization
import Supervision
import Alignment
import Training

/// Supervises one trial (DESIGN §2): its QualityActor, EarlyStopActor and TrainerActor under
/// one-for-all, so that every incarnation gets fresh judges and stale messages are dropped.
/// The trainer's restart decider is smart restart: it classifies the failure, applies the
/// restart rules, picks the checkpoint to resume from, and records it all.
public final class TrialSupervisor: Sendable {
    /// Everything that happened to the trial.
    public let record: TrialRecord
    /// The first incarnation's request.
    public let request: TrainRequest
    private let configuration: TrialConfiguration
    private let baseDirectory: String
    /// The generation of the first incarnation this supervisor runs (more than 0 when a trial
    /// taken over from a dead process resumes); the runtime's incarnations count from 0.
    private let firstGeneration: Int
    /// The trainer kept across incarnations when it can restart in place (its worker
    /// outlives a failed incarnation); `nil` until the first incarnation, and for trainers that
    /// start afresh each time.
    private let persistentTrainer = Mutex<(any InPlaceRestartableTrainer)?>(nil)

    /// Creates the supervisor of one trial. Checkpoints go under
    /// `request.checkpointDirectory/g<generation>`.
    public init(request: TrainRequest, configuration: TrialConfiguration, record: TrialRecord? = nil) {
        self.request = request
        self.configuration = configuration
        self.record = record ?? TrialRecord(trialID: request.trialID)
        self.baseDirectory = request.checkpointDirectory
        self.firstGeneration = request.generation
    }

    /// Runs the trial to its outcome, however its tree ends (DESIGN §2: the outcome is the
    /// supervisor's return value; no caller waits on an event that might never come):
    /// - its trainer finished, stopped, was pruned or failed for good: that outcome;
    /// - its quality analysis or judge kept failing until the trial's own restart intensity
    ///   gave up: failed (`crash`), with the error as evidence;
    /// - a graceful `shutdown` request: completed (stopped) with a checkpoint.
    ///
    /// - Throws: ``SupervisorEscalation`` only when smart restart escalated past the session's
    ///   restart budget (the outcome is then recorded as escalated), and `CancellationError`
    ///   when the calling task is cancelled.
    @discardableResult
    public func run(shutdown: ShutdownSignal? = nil) async throws -> TrialOutcome {
        let supervisor = makeSupervisor()
        shutdown?.onRequest { supervisor.shutdown() }
        do {
            try await supervisor.run()
        } catch let escalation as SupervisorEscalation {
            if case .escalated? = record.outcome {
                await endWorker()
                throw escalation
            }
            record.finish(.failed(cause: .crash, evidence: Evidence(
                "the trial's supervision gave up after its judges failed repeatedly (child '\(escalation.childID)'): "
                    + (escalation.causes.last.map(\.description) ?? "no cause recorded"))))
        } catch {
            await endWorker()
            throw error
        }
        await endWorker()
        record.finish(.completed(reason: .stopped, step: record.lastStep))   // (when nothing else ended it)
        return record.outcome ?? .completed(reason: .stopped, step: record.lastStep)
    }

    /// The supervisor of one run of this trial (a new one for each run, as a child spec needs).
    public func makeSupervisor() -> Supervisor {
        let configuration = self.configuration
        let record = self.record
        let capacity = configuration.mailboxCapacity
        let firstGeneration = self.firstGeneration
        var pruneCheck: (@Sendable (Int, Double) async throws -> String?)?
        if let check = configuration.pruneCheck {
            let trialID = record.trialID
            pruneCheck = { @Sendable step, value in try await check(trialID, step, value) }
        }
        let judgePruning = pruneCheck
        let qualityInbox = Mailbox<QualityInput>(capacity: max(2, capacity / 16))
        let judgeInbox = Mailbox<JudgeInput>(capacity: capacity)
        let signals = Mailbox<TrainerSignal>(capacity: 16)
        var first = request
        first.checkpointDirectory = directory(generation: request.generation)

        let quality = ChildSpec<Void>(id: "quality", shutdown: .brutal) { incarnation in
            qualityInbox.advance(to: incarnation.generation)
            let actor = QualityActor(inbox: qualityInbox, judge: judgeInbox.sender(generation: incarnation.generation),
                                     record: record, generation: incarnation.generation, thresholds: configuration.thresholds, objective: configuration.objective,
                                     analysis: configuration.alignmentAnalysis)
            try await actor.run()
        }
        let earlyStop = ChildSpec<Void>(id: "early-stop", shutdown: .brutal) { incarnation in
            judgeInbox.advance(to: incarnation.generation)
            let actor = EarlyStopActor(inbox: judgeInbox, verdicts: signals.sender(generation: incarnation.generation),
                                       record: record, generation: firstGeneration + incarnation.generation,
                                       policy: configuration.earlyStop, objective: configuration.objective,
                                       thresholds: configuration.thresholds, pruneCheck: judgePruning)
            try await actor.run()
        }
        let trainer = ChildSpec<TrainRequest>(
            id: "trainer", input: first, restart: .transient, shutdown: .graceful(timeout: .seconds(60)), significant: true,
            decider: { [self] context in self.smartRestart(context) }
        ) { [self] incarnation in
            signals.advance(to: incarnation.generation)
            let request = self.request(for: incarnation)
            let trainer = Self.watchMemory(of: self.trainer(for: request), request: request,
                                           configuration: configuration, signals: signals.sender(generation: incarnation.generation))
            defer { if let memory = configuration.memory { Task { await memory.release(trial: request.trialID) } } }
            let actor = TrainerActor(
                request: request, trainer: trainer, record: record,
                judge: judgeInbox.sender(generation: incarnation.generation),
                quality: qualityInbox.sender(generation: incarnation.generation), signals: signals,
                heartbeatTimeout: configuration.heartbeatTimeout, time: configuration.time)
            try await actor.run(shutdown: incarnation.shutdown)
        }
        let restarts = configuration.restart.maxRestartsPerTrial
        return Supervisor(
            name: "trial-\(request.trialID)",
            options: SupervisorOptions(
                strategy: .oneForAll,
                // The decider enforces the per-trial limit; this is the runtime's own guard.
                intensity: RestartIntensity(maxRestarts: restarts + 2, within: .seconds(86_400)),
                backoff: configuration.backoff, autoShutdown: .anySignificant, time: configuration.time,
                seed: configuration.seed, logger: configuration.logger),
            children: [AnyChildSpec(quality), AnyChildSpec(earlyStop), AnyChildSpec(trainer)])
    }

    /// The trainer of an incarnation: the one kept from the first when it can restart in place,
    /// else a new one.
    private func trainer(for request: TrainRequest) -> any Trainer {
        persistentTrainer.withLock { kept in
            if let kept { return kept }
            let made = configuration.makeTrainer(request)
            kept = made as? any InPlaceRestartableTrainer
            return made
        }
    }

    /// Ends the kept trainer's worker (the trial is over), never cut short by cancellation.
    private func endWorker() async {
        guard let trainer = persistentTrainer.withLock({ $0 }) else { return }
        await Task { await trainer.endWorker() }.value
    }

    /// The request of an incarnation: the decider's, or — after a restart the trainer did not
    /// cause (its quality analysis or judge failed) — the same request resumed from the newest
    /// good checkpoint that leaves no validation unjudged.
    private func request(for incarnation: Incarnation<TrainRequest>) -> TrainRequest {
        var request = incarnation.input
        let generation = firstGeneration + incarnation.generation
        if request.generation != generation {
            request.generation = generation
            let checkpoint = record.checkpoint(for: .lastGoodCheckpoint, failureStep: record.judgedThrough + 1)
            request.resumeCheckpoint = checkpoint?.path
            request.resumeStep = checkpoint?.step
        }
        request.checkpointDirectory = directory(generation: generation)
        if let budget = configuration.memoryBudgetMiB { request.memoryBudgetMiB = Int(budget) }
        return request
    }

    /// A child-process trainer, registered with the memory watchdog once it runs: going over
    /// the budget ends the incarnation as out of memory.
    private static func watchMemory(of trainer: any Trainer, request: TrainRequest, configuration: TrialConfiguration,
                                    signals: MailboxSender<TrainerSignal>) -> any Trainer {
        guard let memory = configuration.memory, let budget = configuration.memoryBudgetMiB,
              var process = trainer as? ProcessTrainer else { return trainer }
        let previous = process.onLaunch
        let trial = request.trialID
        process.onLaunch = { pid in
            previous?(pid)
            Task {
                await memory.watch(trial: trial, pid: pid, budgetMiB: budget) { evidence in
                    Task { try? await signals.send(.overBudget(evidence)) }
                }
            }
        }
        return process
    }

    private func directory(generation: Int) -> String {
        (baseDirectory as NSString).appendingPathComponent("g\(generation)")
    }

    /// Smart restart (DESIGN §4), as the trainer child's restart decider.
    private func smartRestart(_ context: RestartContext<TrainRequest>) -> RestartDecision<TrainRequest> {
        guard let failure = context.reason.failure else { return .stop }
        let trial = TrialFailure.classify(failure.error ?? failure)
        let generation = firstGeneration + context.generation
        record.append(.failed(generation: generation, cause: trial.cause, evidence: trial.evidence))
        guard trial.restartable, context.restartCount < configuration.restart.maxRestartsPerTrial else {
            record.finish(.failed(cause: trial.cause, evidence: trial.evidence))
            return .stop
        }
        if let budget = configuration.restartBudget, !budget.admit() {
            record.finish(.escalated("more than \(budget.intensity.maxRestarts) restarts across the session within \(budget.intensity.period)"))
            return .escalate
        }
        let plan = configuration.restart.plan(after: trial.cause, hyperparameters: context.input.hyperparameters)
        if !plan.skipped.isEmpty {
            configuration.logger.warning("the restart rule names hyperparameters this trial does not have; they were left out", metadata: [
                "trial": "\(context.input.trialID)", "cause": "\(trial.cause.rawValue)", "skipped": "\(plan.skipped.joined(separator: ", "))",
            ])
        }
        // The step that failed (a hang's evidence names the last step done; it hung after it).
        let failureStep = trial.evidence.values["step"].map { Int($0) + (trial.cause == .hang ? 1 : 0) }
        // A gradient explosion is judged on its m-th step over the threshold; the spike began
        // at the first.
        let firstAnomalous = failureStep.map { $0 - max(0, Int(trial.evidence.values["steps_over"] ?? 1) - 1) }
        let checkpoint = record.checkpoint(for: plan.resume, failureStep: failureStep, firstAnomalousStep: firstAnomalous)
        var next = context.input
        next.generation = generation + 1
        next.hyperparameters = plan.hyperparameters
        next.resumeCheckpoint = checkpoint?.path
        next.resumeStep = checkpoint?.step
        // A worker that can restart in place does so after a failure of the numbers; a crash, a
        // hang or running out of memory gets a new process (DESIGN §4, docs/protocol.md).
        let kept = persistentTrainer.withLock { $0 }
        let inPlace = trial.cause.allowsHotRestart && (kept?.canRestartInPlace ?? false)
        kept?.prepareNextIncarnation(inPlace: inPlace)
        record.append(.restarted(generation: next.generation, cause: trial.cause, changes: plan.changes,
                                 checkpoint: checkpoint?.path, backoff: context.proposedDelay, kind: inPlace ? .hot : .cold))
        return .restart(input: next, after: context.proposedDelay)
    }
}
