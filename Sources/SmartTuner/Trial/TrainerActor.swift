import Foundation
import Supervision
import Training

/// Runs one incarnation of a trial through the trainer contract, routes its events (steps to
/// the judge, validations to the quality analysis, checkpoints to the record), watches for
/// silence, and turns verdicts into the incarnation's end: a `fail` verdict is thrown as a
/// ``TrialFailure`` (the supervisor's restart decider takes it from there), `stop` and
/// `prune` finish it early with a checkpoint.
///
/// When the trainer returns, the incarnation ends only once its end of training has come back
/// through the quality analysis and the judge, behind every verdict on the steps and
/// validations sent before it: a NaN in the last steps of a fast run still fails the trial.
actor TrainerActor {
    private let request: TrainRequest
    private let trainer: any Trainer
    private let record: TrialRecord
    private let judge: MailboxSender<JudgeInput>
    private let quality: MailboxSender<QualityInput>
    private let signals: Mailbox<TrainerSignal>
    private let heartbeatTimeout: Duration
    private let time: TimeSource
    private let control = TrainerControl()
    private var lastActivity: Duration
    private var keptMessages = 0

    init(request: TrainRequest, trainer: any Trainer, record: TrialRecord, judge: MailboxSender<JudgeInput>,
         quality: MailboxSender<QualityInput>, signals: Mailbox<TrainerSignal>, heartbeatTimeout: Duration,
         time: TimeSource = .continuous) {
        self.request = request
        self.trainer = trainer
        self.record = record
        self.judge = judge
        self.quality = quality
        self.signals = signals
        self.heartbeatTimeout = heartbeatTimeout
        self.time = time
        self.lastActivity = time.now()
    }

    private enum Ending: Sendable {
        case finished
        case failed(TrialFailure)
    }

    /// Runs the incarnation; returns when it finished, throws ``TrialFailure`` when it failed.
    func run(shutdown: ShutdownSignal) async throws {
        let control = self.control
        shutdown.onRequest {
            // A graceful stop of the trial: checkpoint and finish.
            control.requestStop()
        }
        record.beginIncarnation(generation: request.generation, resumeCheckpoint: request.resumeCheckpoint)
        record.noteVisibility(trainer.visibility, generation: request.generation)
        record.append(.started(generation: request.generation, hyperparameters: request.hyperparameters,
                               resumedFrom: request.resumeCheckpoint))
        // However the incarnation ends, its last checkpoints are judged before smart restart
        // chooses where to resume.
        defer { record.settleCheckpoints(generation: request.generation) }
        // Set once the trainer has returned: a stop request that finds it waiting for its end of
        // training to come back ends the incarnation at once (the judges it waits on may be
        // what is being stopped, as in a one-for-all restart after one of them failed).
        let trainerReturned = ShutdownSignal()
        let ending = await withTaskGroup(of: Ending?.self) { group -> Ending in
            group.addTask {
                do {
                    try await self.trainer.train(self.request, control: control) { event in try await self.route(event) }
                } catch is CancellationError {
                    return nil
                } catch {
                    return .failed(TrialFailure.classify(error))
                }
                trainerReturned.request()
                return await self.sendEndOfTraining()
            }
            group.addTask {
                await shutdown.wait()
                await trainerReturned.wait()
                return Task.isCancelled ? nil : .finished
            }
            group.addTask { await self.watchSignals() }
            group.addTask { await self.watchHeartbeat() }
            var ending: Ending = .finished
            for await result in group {
                if let result {
                    ending = result
                    break
                }
            }
            group.cancelAll()
            return ending
        }
        switch ending {
        case .finished:
            if let evidence = record.pruneEvidence {
                record.finish(.pruned(step: record.lastStep, evidence: evidence))
            } else if let reason = record.stopReason {
                record.finish(.completed(reason: reason, step: record.lastStep))
            } else if !control.stopRequested {
                record.finish(.completed(reason: .budget, step: record.lastStep))
            }
            // Stopped from outside: the trial's end, or a restart of its tree after a judge
            // failed. Its supervisor knows which, and records the outcome.
        case .failed(let failure):
            throw failure
        }
    }

    /// Sends the end of training down the events' path; `watchSignals` ends the incarnation when
    /// it comes back. Ends it as finished at once if the path no longer takes messages.
    private func sendEndOfTraining() async -> Ending? {
        lastActivity = time.now()
        do {
            return try await quality.send(.endOfTraining) ? nil : .finished
        } catch is CancellationError {
            return nil
        } catch {
            return .finished
        }
    }

    private func route(_ event: TrainingEvent) async throws {
        lastActivity = time.now()
        switch event {
        case .step(let metrics):
            record.recordStep(metrics, generation: request.generation)
            try await judge.send(.step(metrics))
        case .validation(let metrics):
            try await quality.send(.validation(metrics))
        case .checkpoint(let checkpoint):
            record.recordCheckpoint(checkpoint, generation: request.generation)
        case .log(let level, let message):
            keep(level: level, message: message)
        case .hello, .heartbeat, .finished, .restarted:
            break
        }
    }

    /// Keeps a trainer's warnings and errors in the trial's timeline (and so in the study's
    /// events): at most ``keptMessageLimit`` per incarnation, each cut to 1 000 characters, so
    /// that a script warning at every step cannot flood the store.
    private func keep(level: String, message: String) {
        let level = level.lowercased()
        guard Self.keptLevels.contains(level), keptMessages < Self.keptMessageLimit else { return }
        keptMessages += 1
        let text = String(message.prefix(1_000)) + (keptMessages == Self.keptMessageLimit ? " (further warnings of this incarnation are not kept)" : "")
        record.append(.trainerMessage(generation: request.generation, level: level, message: text))
    }

    private static let keptLevels: Set<String> = ["warning", "warn", "error", "critical", "fatal"]
    static let keptMessageLimit = 50

    /// Waits for a verdict that ends the incarnation, or for the end of training to come back.
    private func watchSignals() async -> Ending? {
        do {
            while let envelope = try await signals.receive() {
                switch envelope.message {
                case .verdict(.fail(let cause, let evidence)):
                    return .failed(TrialFailure(cause, evidence))
                case .overBudget(let evidence):
                    return .failed(TrialFailure(.outOfMemory, evidence))
                case .verdict(.stop(let reason, _)):
                    record.recordStopReason(reason == .converged ? .converged : .overfitting)
                    control.requestStop()
                case .verdict(.prune(let evidence)):
                    record.recordPrune(evidence)
                    control.requestStop()
                case .verdict(.continue):
                    break
                case .endOfTraining:
                    return .finished
                }
            }
        } catch {
            // Cancelled: the incarnation is ending anyway.
        }
        return nil
    }

    /// Fails the incarnation when no event arrives within the heartbeat timeout (on the
    /// injected clock).
    private func watchHeartbeat() async -> Ending? {
        let poll = min(heartbeatTimeout / 4, .milliseconds(250))
        while !Task.isCancelled {
            do { try await time.sleep(for: poll) } catch { return nil }
            let silence = time.now() - lastActivity
            if silence > heartbeatTimeout {
                let seconds = Double(silence.components.seconds) + Double(silence.components.attoseconds) * 1e-18
                return .failed(TrialFailure(.hang, Evidence("no event for \(Int(seconds)) s (timeout \(heartbeatTimeout))",
                                                            values: ["silent_seconds": seconds, "step": Double(record.lastStep)])))
            }
        }
        return nil
    }
}
