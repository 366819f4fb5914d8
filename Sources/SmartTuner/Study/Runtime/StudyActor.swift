import Foundation
import Logging
import Optimization
import StudyStore
import Synchronization

/// The study's owner in the supervision tree (DESIGN §2): it holds the sampler, the pruner and
/// the study store; hands out trials; writes what trials do; judges pruning; and keeps the
/// heartbeat of this process's running trials so that no other worker takes them over.
///
/// Writes follow DESIGN §7: one transaction per state transition (claim, restart, finish) and
/// one per batch of progress (a validation's intermediate value, or a checkpoint, with any
/// timeline events waiting since the last write).
public actor StudyActor {
    /// The store.
    public nonisolated let store: StudyStore
    /// The study.
    public nonisolated let study: StoredStudy
    /// This process.
    public nonisolated let worker: WorkerIdentity
    private nonisolated let sampler: any Sampler
    private nonisolated let pruner: any Pruner
    private nonisolated let staleAfter: Double
    private nonisolated let owned = Mutex<[String: OwnedTrial]>([:])
    private nonisolated let logger: Logger
    /// The wall clock of claims, heartbeats and the times stored (injected: tests move it).
    private nonisolated let wallClock: @Sendable () -> Date
    /// What the heartbeat loop sleeps on.
    private nonisolated let time: TimeSource

    /// A running trial of this process.
    struct OwnedTrial: Sendable {
        var trial: StoredTrial
        var generation: Int
        var hyperparameters: [String: Double]
        var pendingEvents: [StoredEvent] = []
        var lastAligned = false
        var objectives: [Double] = []
        var lastQuality: [String: Double] = [:]
        /// Another worker took the trial over: nothing more of it is written from here.
        var superseded = false
    }

    /// Opens (or creates) the study in `store`. `wallClock` dates claims, heartbeats and stored
    /// times; `time` paces the heartbeat loop.
    public init(store: StudyStore, settings: StudySettings, worker: WorkerIdentity = .current,
                logger: Logger = Logger(label: "smarttuner.study"), wallClock: @escaping @Sendable () -> Date = { Date() },
                time: TimeSource = .continuous) throws {
        self.wallClock = wallClock
        self.time = time
        self.store = store
        self.study = try store.createOrOpen(settings.definition)
        self.worker = worker
        self.sampler = settings.sampler.make(seed: settings.seed)
        self.pruner = settings.pruner.make()
        self.staleAfter = settings.staleAfterSeconds
        self.logger = logger
    }

    /// Keeps the heartbeat of this process's running trials until cancelled.
    public func run(interval: Duration = .seconds(5)) async throws {
        while true {
            try await time.sleep(for: interval)
            let trials = owned.withLock { $0.values.map(\.trial) }
            do { try store.heartbeat(trials, worker: worker, now: wallClock()) } catch { logger.warning("heartbeat not written", metadata: ["error": "\(error)"]) }
        }
    }

    /// The next piece of work for this process.
    public func claim() throws -> TrialClaim {
        let space = study.definition.space
        let sampler = self.sampler
        let claim = try store.claim(study, worker: worker, staleAfter: staleAfter, now: wallClock()) { history, number in
            sampler.suggest(space: space, number: number, history: history)
        }
        switch claim {
        case .new(let trial), .resumed(let trial, _):
            owned.withLock { $0[trialID(trial)] = OwnedTrial(trial: trial, generation: trial.generation, hyperparameters: trial.hyperparameters) }
        case .wait, .done:
            break
        }
        return claim
    }

    /// Carries a taken-over trial's validations up to `step`, where its new incarnation resumes,
    /// into the value it will finish with: a trial resumed after its worker stopped or died ends
    /// with the value an uninterrupted run gives it. Later validations of the lost run are not
    /// carried: the new incarnation validates those steps again.
    nonisolated func resume(trialID: String, fromStep step: Int) {
        owned.withLock { owned in
            guard var entry = owned[trialID] else { return }
            entry.objectives = entry.trial.intermediate.filter { $0.key <= step }.sorted { $0.key < $1.key }.map(\.value)
            owned[trialID] = entry
        }
    }

    /// The id trials of this study carry in the tree: `<study>-<number>`.
    public nonisolated func trialID(_ trial: StoredTrial) -> String { "\(study.definition.name)-\(trial.number)" }

    /// Records one event of a running trial (called synchronously from the trial's record, from
    /// whichever of its actors saw it happen).
    ///
    /// The trial's entry is read, written to the store and updated under one lock, so that
    /// events arriving at once from the trainer, the judge and the restart decider cannot undo
    /// each other's updates. An event of an incarnation that a restart has already replaced (a
    /// late validation that raced the restart) is dropped, as DESIGN §2 asks.
    nonisolated func record(_ event: TrialEvent, trialID: String, at time: Date? = nil) {
        let now = time ?? wallClock()
        let stamp = StoreTime.text(now)
        owned.withLock { owned in
            guard var entry = owned[trialID], !entry.superseded, (event.generation ?? entry.generation) >= entry.generation else { return }
            do {
                switch event {
                case .quality(_, let step, let metrics, let aligned, let objective):
                    entry.lastAligned = aligned
                    entry.objectives.append(objective)
                    entry.lastQuality = metrics.named.merging(["objective": objective, "step": Double(step)]) { $1 }
                    let events = entry.pendingEvents
                    entry.pendingEvents = []
                    try store.report(entry.trial, in: study, generation: entry.generation,
                                     values: [(step, objective)], lastStep: step, quality: entry.lastQuality, events: events, now: now)
                case .checkpoint(var checkpoint):
                    checkpoint.aligned = entry.lastAligned
                    let events = entry.pendingEvents
                    entry.pendingEvents = []
                    try store.report(entry.trial, in: study, generation: entry.generation, lastStep: checkpoint.step,
                                     checkpoints: [checkpoint], events: events, now: now)
                case .restarted(let generation, let cause, let changes, let checkpoint, let backoff):
                    for change in changes { entry.hyperparameters[change.name] = change.to }
                    let changesJSON = String(decoding: (try? JSONEncoder().encode(changes)) ?? Data("[]".utf8), as: UTF8.self)
                    let evidence = entry.pendingEvents.last { $0.kind.hasPrefix("failed") }?.detail ?? cause.rawValue
                    let events = entry.pendingEvents + [StoredEvent(generation: generation, at: stamp, kind: event.kind, detail: event.description)]
                    entry.pendingEvents = []
                    try store.recordRestart(entry.trial, in: study, previousGeneration: entry.generation, restart: StoredRestart(
                        generation: generation, cause: cause.rawValue, evidence: evidence, changesJSON: changesJSON,
                        checkpoint: checkpoint, backoffSeconds: backoff.seconds), hyperparameters: entry.hyperparameters,
                        events: events, now: now)
                    entry.generation = generation
                case .finished:
                    return
                default:
                    entry.pendingEvents.append(StoredEvent(generation: entry.generation, at: stamp, kind: event.kind, detail: event.description))
                }
            } catch StudyStoreError.supersededGeneration(let number, let current, _) {
                entry.superseded = true
                logger.warning("another worker took this trial over; this process no longer records it", metadata: [
                    "trial": "\(number)", "generation": "\(current)"])
            } catch {
                logger.error("could not record a trial event", metadata: ["trial": "\(trialID)", "event": "\(event.kind)", "error": "\(error)"])
            }
            owned[trialID] = entry
        }
    }

    /// The pruner's verdict on a trial's newest intermediate value (already recorded). A trial
    /// another worker has taken over is stopped here too: its result would be dropped.
    nonisolated func prune(trialID: String, step: Int, objective: Double) -> String? {
        guard let entry = owned.withLock({ $0[trialID] }) else { return nil }
        guard !entry.superseded else { return "another worker took this trial over; this run of it stops" }
        do {
            let snapshots = try store.snapshots(of: study)
            guard var mine = snapshots.first(where: { $0.number == entry.trial.number }) else { return nil }
            if mine.intermediate[step] == nil {
                var values = mine.intermediate
                values[step] = study.definition.direction.minimized(objective)
                mine = TrialSnapshot(number: mine.number, parameters: mine.parameters, state: .running, intermediate: values)
            }
            return pruner.prune(mine, step: step, others: snapshots.filter { $0.number != mine.number })
        } catch {
            logger.error("could not judge pruning", metadata: ["trial": "\(trialID)", "error": "\(error)"])
            return nil
        }
    }

    /// Ends a trial in the store, with the value the study optimises. Returns the value
    /// recorded and whether it is the study's new best.
    func finish(trialID: String, outcome: TrialOutcome, summaryJSON: String?) throws -> (value: Double?, newBest: Bool) {
        guard let entry = owned.withLock({ $0.removeValue(forKey: trialID) }) else { return (nil, false) }
        let direction = study.definition.direction
        let finite = entry.objectives.filter(\.isFinite)
        let best = direction == .minimize ? finite.min() : finite.max()
        let previousBest = try store.bestTrial(of: study)?.value
        var state: TrialState
        var value: Double?
        switch outcome {
        case .completed:
            (state, value) = best.map { (.complete, $0) } ?? (.failed, nil)
        case .pruned:
            state = .pruned
            value = entry.objectives.last
        case .failed, .escalated:
            (state, value) = (.failed, nil)
        }
        let now = wallClock()
        let stamp = StoreTime.text(now)
        try store.finish(entry.trial, in: study, generation: entry.generation, state: state, value: value, outcome: outcome.kind,
                         summaryJSON: summaryJSON,
                         events: entry.pendingEvents + [StoredEvent(generation: entry.generation, at: stamp, kind: "finished", detail: outcome.description)],
                         now: now)
        let newBest = state == .complete && value.map { v in previousBest.map { direction.minimized(v) < direction.minimized($0) } ?? true } == true
        return (value, newBest)
    }

    /// Leaves a trial RUNNING for a later run to resume (this process is shutting down): its
    /// pending events are written, with a note.
    func release(trialID: String, reason: String) {
        // A trial another worker has taken over is that worker's to write: nothing to release.
        guard let entry = owned.withLock({ $0.removeValue(forKey: trialID) }), !entry.superseded else { return }
        let now = wallClock()
        let events = entry.pendingEvents + [StoredEvent(generation: entry.generation, at: StoreTime.text(now), kind: "released", detail: reason)]
        do { try store.report(entry.trial, in: study, generation: entry.generation, events: events, now: now) } catch {
            logger.error("could not record the release of a trial", metadata: ["trial": "\(trialID)", "error": "\(error)"])
        }
    }

    /// The alignment metrics and objective of a trial's last validation.
    nonisolated func lastQuality(trialID: String) -> [String: Double] { owned.withLock { $0[trialID]?.lastQuality ?? [:] } }
}
