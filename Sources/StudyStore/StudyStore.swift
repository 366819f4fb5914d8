import Foundation
import Optimization
import Training

/// Where studies live (DESIGN §7): the study actor, the read models and the CLI use a store
/// only through this protocol, so that every backend (``SQLiteStudyStore``, a file; a
/// database server next) gives the same guarantees, checked by one shared contract suite.
///
/// The guarantees each implementation keeps:
/// - a claim is atomic across processes: a trial is handed to one worker at a time; a trial
///   whose worker is gone or silent for `staleAfter` seconds is taken over as a new generation;
/// - every write of a running trial is keyed by (trial, generation): a superseded generation's
///   write is refused with ``StudyStoreError/supersededGeneration(trial:current:writing:)`` and
///   a finished trial's result is never overwritten;
/// - one transaction per state transition (claim, restart, finish) and per batch of progress;
/// - values keep NaN and ±infinity; outcomes, causes and changes read back typed.
///
/// Calls may wait (for a lock, or the network); none of them may be made from a trial's
/// training or judging path: the study actor records on its own.
public protocol StudyStore: AnyObject, Sendable {
    /// Where the store is.
    var location: StoreLocation { get }
    /// Whether this store never writes.
    var readOnly: Bool { get }

    /// The names of the studies, in creation order.
    func studyNames() async throws -> [String]
    /// Creates the study, or opens it if it exists with the same search space and direction.
    /// A larger `targetTrials` than stored raises the budget; a given configuration replaces the stored one.
    func createOrOpen(_ definition: StudyDefinition) async throws -> StoredStudy
    /// The study named `name`; ``StudyStoreError/noSuchStudy(name:available:)`` if there is none.
    func study(named name: String) async throws -> StoredStudy
    /// Every trial of `study`, in number order.
    func trials(of study: StoredStudy) async throws -> [StoredTrial]
    /// A trial's timeline, in order.
    func events(of trial: StoredTrial) async throws -> [StoredEvent]
    /// A trial's checkpoints whose files exist, newest first.
    func checkpoints(of trial: StoredTrial) async throws -> [Checkpoint]
    /// A trial's smart restarts, in order.
    func restarts(of trial: StoredTrial) async throws -> [StoredRestart]

    /// Takes the next piece of work for `worker` (a taken-over trial, a new one with the
    /// parameters `propose` gives for its number and the trials so far, `.wait` or `.done`).
    func claim(_ study: StoredStudy, worker: WorkerIdentity, staleAfter: Double, now: Date,
               propose: @Sendable ([TrialSnapshot], Int) -> [String: ParameterValue]?) async throws -> TrialClaim
    /// Writes a batch of a running trial's progress in one transaction.
    func report(_ trial: StoredTrial, in study: StoredStudy, generation: Int, progress: TrialProgress, now: Date) async throws
    /// Records a smart restart: the new generation, its hyperparameters, its cause and the events before it.
    func recordRestart(_ trial: StoredTrial, in study: StoredStudy, previousGeneration: Int, restart: StoredRestart,
                       hyperparameters: [String: Double], events: [StoredEvent], now: Date) async throws
    /// Ends a trial, once, with its state, value, outcome and summary.
    func finish(_ trial: StoredTrial, in study: StoredStudy, generation: Int, state: TrialState, value: Double?,
                outcome: StoredOutcome, summaryJSON: String?, events: [StoredEvent], now: Date) async throws
    /// Refreshes the heartbeat of those of `trials` that `worker` still owns.
    func heartbeat(_ trials: [StoredTrial], worker: WorkerIdentity, now: Date) async throws

    /// Creates a RUNNING trial for an outside script; `nil` when the sampler has nothing left.
    func ask(_ study: StoredStudy, now: Date, propose: @Sendable ([TrialSnapshot], Int) -> [String: ParameterValue]?) async throws -> StoredTrial?
    /// Registers a new version of model `name` as a candidate.
    func register(name: String, study: String, trial: Int, checkpoint: String, sha256: String, metrics: [String: Double],
                  parameters: [String: Double], now: Date) async throws -> RegisteredModel
    /// Registered models, all (`nil`) or of one name, by name and version.
    func models(named name: String?) async throws -> [RegisteredModel]
    /// Moves a model version to `stage` (promoting to production archives the previous one).
    func setStage(name: String, version: Int, to stage: ModelStage, note: String, now: Date) async throws -> RegisteredModel

    /// A trial's figures by step written after row `after` (0: all), in the order written.
    func metrics(of trial: StoredTrial, after: Int64) async throws -> [StoredMetric]
    /// What tracking system `sink` has been sent of `study` and its trials.
    func deliveries(of study: StoredStudy, sink: String) async throws -> [TrackingSubject: TrackingDelivery]
    /// Records what tracking system `sink` has been sent of `subject`.
    func recordDelivery(_ delivery: TrackingDelivery, for subject: TrackingSubject, of study: StoredStudy, sink: String) async throws

    /// The backend's own consistency check: "ok" when intact, else what is wrong.
    func integrityCheck() async throws -> String
}

/// A batch of a running trial's progress: what ``StudyStore/report(_:in:generation:progress:now:)`` writes at once.
public struct TrialProgress: Sendable, Hashable {
    /// Intermediate objective values by step, stored as given.
    public var values: [Int: Double]
    /// The furthest step reached (else the last value's step).
    public var lastStep: Int?
    /// The alignment metrics and objective of the newest validation (non-finite entries are dropped).
    public var quality: [String: Double]?
    /// New checkpoints.
    public var checkpoints: [Checkpoint]
    /// Timeline events.
    public var events: [StoredEvent]
    /// Figures by step for tracking systems (a point already stored for the same generation,
    /// name and step is replaced).
    public var metrics: [MetricPoint]

    /// Creates a batch.
    public init(values: [Int: Double] = [:], lastStep: Int? = nil, quality: [String: Double]? = nil, checkpoints: [Checkpoint] = [],
                events: [StoredEvent] = [], metrics: [MetricPoint] = []) {
        self.metrics = metrics
        self.values = values
        self.lastStep = lastStep
        self.quality = quality
        self.checkpoints = checkpoints
        self.events = events
    }
}

extension StudyStore {
    /// The trials as samplers and pruners see them (values minimised).
    public func snapshots(of study: StoredStudy) async throws -> [TrialSnapshot] {
        try await trials(of: study).map { $0.snapshot(direction: study.definition.direction) }
    }

    /// The best finished trial (complete, with a value), or `nil`.
    public func bestTrial(of study: StoredStudy) async throws -> StoredTrial? {
        let direction = study.definition.direction
        return try await trials(of: study)
            .filter { $0.state == .complete && ($0.value.map { !$0.isNaN } ?? false) }
            .min { (direction.minimized($0.value ?? .nan), $0.number) < (direction.minimized($1.value ?? .nan), $1.number) }
    }

    /// Ends trial `number` with `state` and `value`, as reported by an outside script (a pruned
    /// trial without a value keeps its last intermediate value).
    /// - Throws: ``StudyStoreError`` if the trial does not exist or has already finished, or a
    ///   complete trial has no value.
    public func tell(_ study: StoredStudy, number: Int, state: TrialState, value: Double?, now: Date) async throws {
        let trial = try await self.trial(number, of: study)
        if state == .complete, value == nil {
            throw StudyStoreError.invalidState("a complete trial needs a value; give one, or tell it as failed or pruned")
        }
        let final = state == .pruned ? (value ?? trial.intermediate.max { $0.key < $1.key }?.value) : value
        try await finish(trial, in: study, generation: trial.generation, state: state, value: final, outcome: .told(state),
                         summaryJSON: nil, events: [], now: now)
    }

    /// The trial numbered `number`; ``StudyStoreError/noSuchTrial(study:number:)`` if there is none.
    public func trial(_ number: Int, of study: StoredStudy) async throws -> StoredTrial {
        guard let trial = try await trials(of: study).first(where: { $0.number == number }) else {
            throw StudyStoreError.noSuchTrial(study: study.definition.name, number: number)
        }
        return trial
    }
}
