import Foundation
import Logging
import Optimization
import StudyStore
import Synchronization

/// The study's owner in the supervision tree (DESIGN §2): it holds the sampler, the pruner and
/// the study store; hands out trials; writes what trials do; judges pruning; and keeps the
/// heartbeat of this process's running trials so that no other worker takes them over.
///
/// What its trials have done lives in memory first (their generation, validations, last
/// quality); the store is written through a mailbox (``StudyRecorder``) on a thread of its own,
/// so a trial's actors never wait for the database. Writes follow DESIGN §7: one transaction per
/// state transition (claim, restart, finish) and one per batch of progress (a validation's
/// intermediate value, or a checkpoint, with any timeline events waiting since the last write).
/// Pruning reads a trial's own validations from memory, and the other trials as of the last
/// write, so a validation is recorded once and pruning never waits for the store either.
public actor StudyActor {
    /// The store.
    public nonisolated var store: any StudyStore { recorder.store }
    /// The study.
    public nonisolated let study: StoredStudy
    /// This process.
    public nonisolated let worker: WorkerIdentity
    nonisolated let recorder: StudyRecorder
    private nonisolated let sampler: any Sampler
    nonisolated let pruner: any Pruner
    private nonisolated let staleAfter: Double
    /// What is kept for tracking systems.
    nonisolated let tracking: TrackingSettings
    nonisolated let owned = Mutex<[String: OwnedTrial]>([:])
    /// The study's trials as of the last write (what pruning compares against).
    nonisolated let others = Mutex<[TrialSnapshot]>([])
    nonisolated let logger: Logger
    /// The wall clock of claims, heartbeats and the times stored (injected: tests move it).
    nonisolated let wallClock: @Sendable () -> Date
    /// What the heartbeat loop sleeps on.
    private nonisolated let time: TimeSource

    /// A running trial of this process.
    struct OwnedTrial: Sendable {
        var trial: StoredTrial
        var generation: Int
        var hyperparameters: [String: Double]
        var pendingEvents: [StoredEvent] = []
        /// Figures by step not written yet (they go with the next write, or on their own once
        /// there are ``StudyActor/metricsBatch`` of them).
        var pendingMetrics: [MetricPoint] = []
        var lastAligned = false
        /// The objective of each validation of this trial's lineage, by step.
        var objectives: [Int: Double] = [:]
        var lastQuality: [String: Double] = [:]
        /// The evidence of the newest failure (what a restart records as its evidence).
        var lastFailure: Evidence?
        /// Another worker took the trial over: nothing more of it is written from here.
        var superseded = false
    }

    /// Opens (or creates) the study in `store`. `wallClock` dates claims, heartbeats and stored
    /// times; `time` paces the heartbeat loop.
    public init(store: any StudyStore, settings: StudySettings, worker: WorkerIdentity = .current,
                logger: Logger = Logger(label: "smarttuner.study"), wallClock: @escaping @Sendable () -> Date = { Date() },
                time: TimeSource = .continuous) async throws {
        self.wallClock = wallClock
        self.time = time
        self.recorder = StudyRecorder(store: store, name: settings.name, time: time, logger: logger)
        let definition = settings.definition
        self.study = try await recorder.perform { try await $0.createOrOpen(definition) }
        self.worker = worker
        self.sampler = settings.sampler.make(seed: settings.seed)
        self.pruner = settings.pruner.make()
        self.staleAfter = settings.staleAfterSeconds
        self.tracking = settings.tracking
        self.logger = logger
    }

    /// Keeps the heartbeat of this process's running trials until cancelled: every `interval`,
    /// by default a quarter of the study's heartbeat timeout (at most 5 s), so that a few late
    /// heartbeats on a busy machine never make a live worker look dead.
    public func run(interval: Duration? = nil) async throws {
        let interval = interval ?? min(.seconds(5), .milliseconds(Int64(staleAfter * 250)))
        while true {
            try await time.sleep(for: interval)
            let trials = owned.withLock { $0.values.filter { !$0.superseded }.map(\.trial) }
            let (worker, now) = (self.worker, wallClock())
            do { try await recorder.perform { try await $0.heartbeat(trials, worker: worker, now: now) } } catch {
                logger.warning("heartbeat not written", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The next piece of work for this process.
    public func claim() async throws -> TrialClaim {
        let (study, space, sampler, worker, staleAfter, now) = (self.study, study.definition.space, self.sampler, self.worker, self.staleAfter, wallClock())
        let (claim, snapshots) = try await recorder.perform { store in
            let claim = try await store.claim(study, worker: worker, staleAfter: staleAfter, now: now) { history, number in
                sampler.suggest(space: space, number: number, history: history)
            }
            return (claim, try await store.snapshots(of: study))
        }
        others.withLock { $0 = snapshots }
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
            entry.objectives = entry.trial.intermediate.filter { $0.key <= step }
            owned[trialID] = entry
        }
    }

    /// The id trials of this study carry in the tree: `<study>-<number>`.
    public nonisolated func trialID(_ trial: StoredTrial) -> String { "\(study.definition.name)-\(trial.number)" }
}
