import Alignment
import Synchronization
import TinyTacotron
import Training

/// Everything known about one trial across its incarnations: the event timeline, checkpoints,
/// quality history and restarts. Shared by the trial's actors and read synchronously by its
/// restart decider, so it is a lock-protected class rather than an actor.
public final class TrialRecord: Sendable {
    /// A checkpoint as the record knows it.
    public struct Checkpoint: Sendable, Hashable {
        /// The incarnation that wrote it.
        public let generation: Int
        /// Its step.
        public let step: Int
        /// Its file.
        public let path: String
        /// Its SHA-256 as reported.
        public let sha256: String
        /// The training loss of its step.
        public let loss: Double
    }

    private struct State {
        var timeline: [TrialEvent] = []
        var checkpoints: [Checkpoint] = []
        var qualityHistory: [(generation: Int, step: Int, aligned: Bool, loss: Double)] = []
        var lastLoss: [Int: Double] = [:]
        var lastStep = 0
        var firstAligned: Int?
        var lastQuality: QualityReport?
        var lastObjective: Double?
        var outcome: TrialOutcome?
        var stopReason: TrialOutcome.CompletionReason?
        var pruneEvidence: Evidence?
    }

    /// The trial's id.
    public let trialID: String
    private let state = Mutex(State())
    private let observer: (@Sendable (String, TrialEvent) -> Void)?
    private let stepObserver: (@Sendable (Int, StepMetrics) -> Void)?

    /// Creates an empty record; `observer` hears every event as it is recorded (alerts,
    /// stores), `stepObserver` every training step (progress displays).
    public init(trialID: String, observer: (@Sendable (String, TrialEvent) -> Void)? = nil,
                stepObserver: (@Sendable (Int, StepMetrics) -> Void)? = nil) {
        self.trialID = trialID
        self.observer = observer
        self.stepObserver = stepObserver
    }

    /// Appends an event to the timeline.
    public func append(_ event: TrialEvent) {
        state.withLock { $0.timeline.append(event) }
        observer?(trialID, event)
    }

    /// The timeline so far.
    public var timeline: [TrialEvent] { state.withLock { $0.timeline } }

    /// The outcome, once the trial has ended.
    public var outcome: TrialOutcome? { state.withLock { $0.outcome } }

    /// The last quality report and objective.
    public var lastQuality: (report: QualityReport, objective: Double)? {
        state.withLock { state in state.lastQuality.flatMap { report in state.lastObjective.map { (report, $0) } } }
    }

    /// The newest checkpoint.
    public var latestCheckpoint: Checkpoint? { state.withLock { $0.checkpoints.last } }

    /// The furthest step any incarnation reached.
    public var lastStep: Int { state.withLock { $0.lastStep } }

    func recordStep(_ metrics: StepMetrics, generation: Int) {
        state.withLock { state in
            state.lastLoss[generation] = metrics.totalLoss
            state.lastStep = max(state.lastStep, metrics.step)
        }
        stepObserver?(generation, metrics)
    }

    func recordCheckpoint(_ info: CheckpointInfo, generation: Int) {
        let loss = state.withLock { state in
            let loss = state.lastLoss[generation] ?? .nan
            state.checkpoints.append(Checkpoint(generation: generation, step: info.step, path: info.path, sha256: info.sha256, loss: loss))
            return loss
        }
        append(.checkpoint(generation: generation, step: info.step, path: info.path, sha256: info.sha256, loss: loss))
    }

    func recordQuality(_ report: QualityReport, validationLoss: Double, objective: Double, generation: Int) {
        let first = state.withLock { state -> Bool in
            state.qualityHistory.append((generation, report.step, report.aligned, validationLoss))
            state.lastQuality = report
            state.lastObjective = objective
            guard report.aligned, state.firstAligned == nil else { return false }
            state.firstAligned = report.step
            return true
        }
        append(.quality(generation: generation, step: report.step, metrics: report.metrics, aligned: report.aligned, objective: objective))
        if first { append(.firstAlignment(generation: generation, step: report.step)) }
    }

    func recordStopReason(_ reason: TrialOutcome.CompletionReason) { state.withLock { $0.stopReason = $0.stopReason ?? reason } }
    func recordPrune(_ evidence: Evidence) { state.withLock { $0.pruneEvidence = evidence } }
    var stopReason: TrialOutcome.CompletionReason? { state.withLock { $0.stopReason } }
    var pruneEvidence: Evidence? { state.withLock { $0.pruneEvidence } }

    func finish(_ outcome: TrialOutcome) {
        let first = state.withLock { state -> Bool in
            guard state.outcome == nil else { return false }
            state.outcome = outcome
            return true
        }
        if first { append(.finished(outcome)) }
    }

    /// The checkpoint to resume from after a failure, per `point` (DESIGN §4): `nil` means
    /// from scratch. Only checkpoints whose loss was finite and whose SHA-256 verifies count.
    public func checkpoint(for point: ResumePoint, failureStep: Int?) -> Checkpoint? {
        let (checkpoints, history, everAligned) = state.withLock { ($0.checkpoints, $0.qualityHistory, $0.firstAligned != nil) }
        func good(_ checkpoint: Checkpoint) -> Bool {
            checkpoint.loss.isFinite && CheckpointDigest.verify(path: checkpoint.path, expected: checkpoint.sha256)
        }
        switch point {
        case .scratch:
            return nil
        case .lastGoodCheckpoint:
            return checkpoints.reversed().first(where: good)
        case .beforeSpike:
            let limit = failureStep ?? Int.max
            return checkpoints.reversed().first { $0.step < limit && good($0) }
        case .lastAlignedOrScratch:
            guard everAligned else { return nil }
            return checkpoints.reversed().first { checkpoint in
                let judged = history.last { $0.generation == checkpoint.generation && $0.step <= checkpoint.step }
                return judged?.aligned == true && good(checkpoint)
            }
        }
    }
}
