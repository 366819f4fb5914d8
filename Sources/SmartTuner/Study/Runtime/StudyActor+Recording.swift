import Foundation
import Optimization
import StudyStore

extension StudyActor {
    /// Records one event of a running trial (called synchronously from the trial's record, from
    /// whichever of its actors saw it happen): memory is updated at once, the store write is
    /// queued.
    ///
    /// The trial's entry is read and updated, and its write queued, under one lock, so that
    /// events arriving at once from the trainer, the judge and the restart decider cannot undo
    /// each other's updates and are written in the order they were recorded. An event of an
    /// incarnation that a restart has already replaced (a late validation that raced the
    /// restart) is dropped, as DESIGN §2 asks.
    nonisolated func record(_ event: TrialEvent, trialID: String, at time: Date? = nil) {
        let now = time ?? wallClock()
        let stamp = StoreTime.text(now)
        let study = self.study
        owned.withLock { owned in
            guard var entry = owned[trialID], !entry.superseded, (event.generation ?? entry.generation) >= entry.generation else { return }
            let (trial, generation) = (entry.trial, entry.generation)
            switch event {
            case .quality(_, let step, let metrics, let aligned, let objective):
                entry.lastAligned = aligned ?? false
                entry.objectives[step] = objective
                entry.lastQuality = (metrics?.named ?? [:]).merging(["objective": objective, "step": Double(step)]) { $1 }
                let progress = TrialProgress(values: [step: objective], lastStep: step, quality: entry.lastQuality, events: entry.pendingEvents,
                                             metrics: entry.pendingMetrics)
                entry.pendingEvents = []
                entry.pendingMetrics = []
                write(trialID: trialID, event: event, StudyRecorder.ProgressWrite(
                    trialID: trialID, trial: trial, study: study, generation: generation, progress: progress, now: now) { store in
                    let snapshots = try await store.snapshots(of: study)
                    self.others.withLock { $0 = snapshots }
                })
            case .checkpoint(var checkpoint):
                checkpoint.aligned = entry.lastAligned
                checkpoint.host = worker.host
                let progress = TrialProgress(lastStep: checkpoint.step, checkpoints: [checkpoint], events: entry.pendingEvents,
                                             metrics: entry.pendingMetrics)
                entry.pendingEvents = []
                entry.pendingMetrics = []
                write(trialID: trialID, event: event, StudyRecorder.ProgressWrite(
                    trialID: trialID, trial: trial, study: study, generation: generation, progress: progress, now: now))
            case .restarted(let next, let cause, let changes, let checkpoint, let backoff, let kind):
                for change in changes { entry.hyperparameters[change.name] = change.to }
                let restart = StoredRestart(generation: next, cause: cause, evidence: entry.lastFailure?.summary ?? cause.words,
                                            changes: changes, checkpoint: checkpoint, backoffSeconds: backoff.seconds, kind: kind)
                let events = entry.pendingEvents + [StoredEvent(generation: next, at: stamp, kind: event.kind, detail: event.description)]
                let hyperparameters = entry.hyperparameters
                // The figures of the incarnation that ended go before the restart, under its generation.
                let metrics = entry.pendingMetrics
                entry.pendingEvents = []
                entry.pendingMetrics = []
                entry.generation = next
                write(trialID: trialID, event: event) { store in
                    if !metrics.isEmpty {
                        try await store.report(trial, in: study, generation: generation, progress: TrialProgress(metrics: metrics), now: now)
                    }
                    try await store.recordRestart(trial, in: study, previousGeneration: generation, restart: restart,
                                                  hyperparameters: hyperparameters, events: events, now: now)
                }
            case .finished:
                return
            case .failed(_, _, let evidence):
                entry.lastFailure = evidence
                entry.pendingEvents.append(StoredEvent(generation: generation, at: stamp, kind: event.kind, detail: event.description))
            default:
                entry.pendingEvents.append(StoredEvent(generation: generation, at: stamp, kind: event.kind, detail: event.description))
            }
            owned[trialID] = entry
        }
    }

    /// Adds an entry to a running trial's timeline, written with its next write.
    nonisolated func note(trialID: String, kind: String, detail: String) {
        let stamp = StoreTime.text(wallClock())
        owned.withLock { owned in
            guard var entry = owned[trialID], !entry.superseded else { return }
            entry.pendingEvents.append(StoredEvent(generation: entry.generation, at: stamp, kind: kind, detail: detail))
            owned[trialID] = entry
        }
    }

    /// Queues a batch of `trialID`'s progress (`event`'s, or figures alone for `nil`; merged
    /// with the trial's batch still waiting, if any).
    nonisolated func write(trialID: String, event: TrialEvent?, _ progress: StudyRecorder.ProgressWrite) {
        recorder.enqueue(progress) { self.written(trialID: trialID, event: event, $0) }
    }

    /// Queues a store call about `trialID`.
    nonisolated func write(trialID: String, event: TrialEvent?, _ body: @escaping @Sendable (any StudyStore) async throws -> Void) {
        recorder.enqueue(body) { self.written(trialID: trialID, event: event, $0) }
    }

    /// What a write of a trial's came to: a refusal because another worker took the trial over
    /// marks it superseded (nothing more of it is written from here); another error is logged.
    private nonisolated func written(trialID: String, event: TrialEvent?, _ error: (any Error)?) {
        switch error {
        case nil:
            return
        case StudyStoreError.supersededGeneration(let number, let current, _)?:
            owned.withLock { $0[trialID]?.superseded = true }
            logger.warning("another worker took this trial over; this process no longer records it", metadata: [
                "trial": "\(number)", "generation": "\(current)"])
        case let error?:
            logger.error("could not record a trial event", metadata: ["trial": "\(trialID)", "event": "\(event?.kind ?? "figures")", "error": "\(error)"])
        }
    }

    /// The pruner's verdict on a trial's newest validation, from memory: the trial's own
    /// validations as recorded here, the others as of the last write. A trial another worker has
    /// taken over is stopped here too: its result would be dropped.
    nonisolated func prune(trialID: String, step: Int, objective: Double) -> String? {
        guard let entry = owned.withLock({ $0[trialID] }) else { return nil }
        guard !entry.superseded else { return "another worker took this trial over; this run of it stops" }
        let direction = study.definition.direction
        var values = entry.objectives
        if values[step] == nil { values[step] = objective }
        let mine = TrialSnapshot(number: entry.trial.number, parameters: entry.trial.parameters, state: .running,
                                 intermediate: values.mapValues(direction.minimized))
        let others = self.others.withLock { $0 }.filter { $0.number != mine.number }
        return pruner.prune(mine, step: step, others: others)
    }

    /// Ends a trial in the store, with the value the study optimises, after every write queued
    /// for it. Returns the value recorded and whether it is the study's new best.
    func finish(trialID: String, outcome: TrialOutcome, summaryJSON: String?) async throws -> (value: Double?, newBest: Bool) {
        guard let entry = owned.withLock({ $0.removeValue(forKey: trialID) }) else { return (nil, false) }
        let direction = study.definition.direction
        let ordered = entry.objectives.sorted { $0.key < $1.key }.map(\.value)
        let finite = ordered.filter(\.isFinite)
        let best = direction == .minimize ? finite.min() : finite.max()
        var state: TrialState
        var value: Double?
        switch outcome {
        case .completed:
            (state, value) = best.map { (.complete, $0) } ?? (.failed, nil)
        case .pruned:
            state = .pruned
            value = ordered.last
        case .failed, .escalated:
            (state, value) = (.failed, nil)
        }
        let now = wallClock()
        let events = entry.pendingEvents + [StoredEvent(generation: entry.generation, at: StoreTime.text(now), kind: "finished", detail: outcome.description)]
        let (study, finalState, finalValue, metrics) = (self.study, state, value, entry.pendingMetrics)
        let previousBest = try await recorder.perform { store in
            if !metrics.isEmpty {
                try await store.report(entry.trial, in: study, generation: entry.generation, progress: TrialProgress(metrics: metrics), now: now)
            }
            let previous = try await store.bestTrial(of: study)?.value
            try await store.finish(entry.trial, in: study, generation: entry.generation, state: finalState, value: finalValue,
                                   outcome: .supervised(outcome.outcomeKind), summaryJSON: summaryJSON, events: events, now: now)
            return previous
        }
        let newBest = state == .complete && value.map { v in previousBest.map { direction.minimized(v) < direction.minimized($0) } ?? true } == true
        return (value, newBest)
    }

    /// Leaves a trial RUNNING for a later run to resume (this process is shutting down): its
    /// pending events are written, with a note.
    func release(trialID: String, reason: String) async {
        // A trial another worker has taken over is that worker's to write: nothing to release.
        guard let entry = owned.withLock({ $0.removeValue(forKey: trialID) }), !entry.superseded else { return }
        let now = wallClock()
        let events = entry.pendingEvents + [StoredEvent(generation: entry.generation, at: StoreTime.text(now), kind: "released", detail: reason)]
        let study = self.study
        do {
            try await recorder.perform { store in
                try await store.report(entry.trial, in: study, generation: entry.generation,
                                       progress: TrialProgress(events: events, metrics: entry.pendingMetrics), now: now)
            }
        } catch {
            logger.error("could not record the release of a trial", metadata: ["trial": "\(trialID)", "error": "\(error)"])
        }
    }

    /// Returns once everything recorded so far is written to the store.
    public nonisolated func flush() async throws {
        try await recorder.perform { _ in }
    }

    /// The alignment metrics and objective of a trial's last validation.
    nonisolated func lastQuality(trialID: String) -> [String: Double] { owned.withLock { $0[trialID]?.lastQuality ?? [:] } }
}
