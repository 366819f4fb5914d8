import Alignment
import DequeModule
import Synchronization
import TinyTacotron
import Training

/// Everything known about one trial across its incarnations: the event timeline, checkpoints,
/// quality history and restarts. Shared by the trial's actors and read synchronously by its
/// restart decider, so it is a lock-protected class rather than an actor.
///
/// The quality history (the validations and recent training losses of the trial's lineage)
/// belongs to the trial and survives its incarnations: ``beginIncarnation(generation:resumeCheckpoint:)``
/// cuts it back to the step the new incarnation resumes from (everything, from scratch).
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
        /// Whether the trainer found every weight in it finite (`nil`: it did not say).
        public let weightsFinite: Bool?
        /// Its own evaluation: the loss of its weights (the next step's training loss, or a
        /// validation at its step); `nil` until one is known.
        public internal(set) var evaluation: Double?
        /// Whether its evaluation is settled (known, or the incarnation ended without one).
        public internal(set) var settled: Bool

        /// A settled checkpoint (as a store knows one).
        public init(generation: Int, step: Int, path: String, sha256: String, weightsFinite: Bool?, evaluation: Double?) {
            self.init(generation: generation, step: step, path: path, sha256: sha256, weightsFinite: weightsFinite,
                      evaluation: evaluation, settled: true)
        }

        init(generation: Int, step: Int, path: String, sha256: String, weightsFinite: Bool?, evaluation: Double?, settled: Bool) {
            self.generation = generation
            self.step = step
            self.path = path
            self.sha256 = sha256
            self.weightsFinite = weightsFinite
            self.evaluation = evaluation
            self.settled = settled
        }

        /// Whether it may be resumed from, before its digest is checked (DESIGN §4): its weights
        /// are not known to be non-finite, and its own evaluation is finite — or, where there is
        /// none, the trainer vouched for its weights.
        public var good: Bool {
            guard weightsFinite != false else { return false }
            if let evaluation { return evaluation.isFinite }
            return weightsFinite == true
        }
    }

    private struct State {
        var timeline: [TrialEvent] = []
        var checkpoints: [Checkpoint] = []
        var qualityHistory: [(generation: Int, step: Int, aligned: Bool, loss: Double)] = []
        var lineage = QualityTracker()
        /// The newest step of the lineage whose validation the judge reached a verdict on.
        var judgedThrough = 0
        var recentLosses = Deque<Double>()
        var lastStep = 0
        var firstAligned: Int?
        var lastQuality: QualityReport?
        var lastObjective: Double?
        var outcome: TrialOutcome?
        var stopReason: TrialOutcome.CompletionReason?
        var pruneEvidence: Evidence?
    }

    /// Training losses of the lineage kept for the divergence baseline of a new incarnation.
    static let keptLosses = 512

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

    /// The checkpoints, oldest first.
    public var checkpoints: [Checkpoint] { state.withLock { $0.checkpoints } }

    /// The furthest step any incarnation reached.
    public var lastStep: Int { state.withLock { $0.lastStep } }

    /// Starts an incarnation's part of the history: the lineage is cut back to the step of
    /// `resumeCheckpoint` (all of it when the incarnation starts from scratch; nothing when the
    /// checkpoint is not one this record knows, such as one named by hand).
    func beginIncarnation(generation: Int, resumeCheckpoint: String?) {
        state.withLock { state in
            guard let resumeCheckpoint else {
                state.lineage.cut(after: nil)
                state.recentLosses.removeAll()
                state.judgedThrough = 0
                return
            }
            guard let step = state.checkpoints.last(where: { $0.path == resumeCheckpoint })?.step else { return }
            state.lineage.cut(after: step)
            state.judgedThrough = min(state.judgedThrough, step)
            // Losses carry no step; those of steps after the resume point are at most the last
            // (lastStep − step) ones.
            let later = max(0, state.lastStep - step)
            state.recentLosses.removeLast(min(later, state.recentLosses.count))
        }
    }

    /// The quality report of a validation, judged against the trial's lineage.
    func assessQuality(step: Int, metrics: AlignmentMetrics, thresholds: AlignmentThresholds) -> QualityReport {
        state.withLock { state in
            if state.lineage.thresholds != thresholds {
                var tracker = QualityTracker(thresholds: thresholds)
                tracker.seed(state.lineage.points)
                state.lineage = tracker
            }
            return state.lineage.record(step: step, metrics: metrics)
        }
    }

    /// Notes that the judge reached its verdict on the validation at `step`.
    func markJudged(step: Int) { state.withLock { $0.judgedThrough = max($0.judgedThrough, step) } }

    /// The newest step of the lineage whose validation has its verdict (0: none yet). An
    /// incarnation restarted because a judge failed resumes no later than this, so that no
    /// validation goes unjudged.
    public var judgedThrough: Int { state.withLock { $0.judgedThrough } }

    /// The lineage's most recent finite training losses, oldest first (at most `limit`).
    func recentLosses(limit: Int) -> [Double] { state.withLock { Array($0.recentLosses.suffix(limit)) } }

    /// Seeds a trial taken over from another process with what its store knows: its good
    /// checkpoints, each with whether the trial was aligned at its step. The lineage learns
    /// where it was aligned (not its focus: the store keeps only the last validation's).
    public func seed(checkpoints: [(checkpoint: Checkpoint, aligned: Bool)]) {
        let ordered = checkpoints.sorted { ($0.checkpoint.step, $0.checkpoint.generation) < ($1.checkpoint.step, $1.checkpoint.generation) }
        let alignedSteps = ordered.filter(\.aligned).map(\.checkpoint.step)
        state.withLock { state in
            state.checkpoints = ordered.map(\.checkpoint) + state.checkpoints
            state.qualityHistory = ordered.map { ($0.checkpoint.generation, $0.checkpoint.step, $0.aligned, Double.nan) } + state.qualityHistory
            state.lineage.seed(alignedSteps.map { QualityTracker.Point(step: $0, focus: .nan, aligned: true) })
            state.firstAligned = state.firstAligned ?? alignedSteps.first
            state.lastStep = max(state.lastStep, ordered.last?.checkpoint.step ?? 0)
            // A take-over resumes where every validation before it was recorded.
            state.judgedThrough = max(state.judgedThrough, ordered.last?.checkpoint.step ?? 0)
        }
    }

    func recordStep(_ metrics: StepMetrics, generation: Int) {
        let loss = metrics.totalLoss
        let settled = state.withLock { state -> [Checkpoint] in
            state.lastStep = max(state.lastStep, metrics.step)
            if loss.isFinite {
                state.recentLosses.append(loss)
                if state.recentLosses.count > Self.keptLosses { state.recentLosses.removeFirst() }
            }
            // The first step after a checkpoint evaluates its weights.
            let evaluation = loss.isFinite && metrics.gradNorm.isFinite ? loss : .nan
            return Self.settle(&state, generation: generation) { $0.step < metrics.step ? .evaluated(evaluation) : .pending }
        }
        for checkpoint in settled { append(checkpoint.event) }
        stepObserver?(generation, metrics)
    }

    func recordCheckpoint(_ info: CheckpointInfo, generation: Int) {
        let settled = state.withLock { state -> Checkpoint? in
            var checkpoint = Checkpoint(generation: generation, step: info.step, path: info.path, sha256: info.sha256,
                                        weightsFinite: info.weightsFinite, evaluation: nil, settled: false)
            // The validation at its step may have been judged before the checkpoint arrived
            // (they travel different paths): it evaluates the weights all the same.
            if let validation = state.qualityHistory.last(where: { $0.generation == generation && $0.step == info.step }) {
                checkpoint.evaluation = validation.loss
                checkpoint.settled = true
            }
            state.checkpoints.append(checkpoint)
            return checkpoint.settled ? checkpoint : nil
        }
        if let settled { append(settled.event) }
    }

    /// Settles the incarnation's checkpoints that nothing evaluated (it ended right after them):
    /// each is good only if its trainer vouched for its weights.
    func settleCheckpoints(generation: Int) {
        let settled = state.withLock { state in Self.settle(&state, generation: generation) { _ in .unevaluated } }
        for checkpoint in settled { append(checkpoint.event) }
    }

    /// What settling makes of one unsettled checkpoint.
    private enum Settling {
        /// Not yet: nothing has evaluated it.
        case pending
        /// Its own evaluation (the loss of its weights).
        case evaluated(Double)
        /// Settled without an evaluation (its incarnation ended right after it).
        case unevaluated
    }

    /// Settles the unsettled checkpoints of `generation` as `settling` says; returns them.
    private static func settle(_ state: inout State, generation: Int, _ settling: (Checkpoint) -> Settling) -> [Checkpoint] {
        var settled: [Checkpoint] = []
        for index in state.checkpoints.indices where !state.checkpoints[index].settled && state.checkpoints[index].generation == generation {
            switch settling(state.checkpoints[index]) {
            case .pending: continue
            case .evaluated(let loss): state.checkpoints[index].evaluation = loss
            case .unevaluated: break
            }
            state.checkpoints[index].settled = true
            settled.append(state.checkpoints[index])
        }
        return settled
    }

    func recordQuality(_ report: QualityReport, validationLoss: Double, objective: Double, generation: Int) {
        let (first, settled) = state.withLock { state -> (Bool, [Checkpoint]) in
            state.qualityHistory.append((generation, report.step, report.aligned, validationLoss))
            state.lastQuality = report
            state.lastObjective = objective
            // A validation at a checkpoint's step evaluates the weights it holds.
            let settled = Self.settle(&state, generation: generation) { $0.step == report.step ? .evaluated(validationLoss) : .pending }
            guard report.aligned, state.firstAligned == nil else { return (false, settled) }
            state.firstAligned = report.step
            return (true, settled)
        }
        for checkpoint in settled { append(checkpoint.event) }
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
    /// from scratch. Only good checkpoints (``Checkpoint/good``) whose SHA-256 verifies count;
    /// "before the spike" means written before the failure's first anomalous step.
    ///
    /// Checkpoints at or after `failureStep` never count: a trainer that runs ahead of its
    /// judge writes them after the failure, from the run that failed.
    public func checkpoint(for point: ResumePoint, failureStep: Int?, firstAnomalousStep: Int? = nil) -> Checkpoint? {
        let limit = failureStep ?? Int.max
        let (checkpoints, history, everAligned) = state.withLock { ($0.checkpoints, $0.qualityHistory, $0.firstAligned != nil) }
        func good(_ checkpoint: Checkpoint) -> Bool {
            checkpoint.good && CheckpointDigest.verify(path: checkpoint.path, expected: checkpoint.sha256)
        }
        switch point {
        case .scratch:
            return nil
        case .lastGoodCheckpoint:
            return checkpoints.reversed().first { $0.step < limit && good($0) }
        case .beforeSpike:
            let spike = firstAnomalousStep ?? limit
            return checkpoints.reversed().first { $0.step < spike && good($0) }
        case .lastAlignedOrScratch:
            guard everAligned else { return nil }
            return checkpoints.reversed().first { checkpoint in
                guard checkpoint.step < limit else { return false }
                let judged = history.last { $0.generation == checkpoint.generation && $0.step <= checkpoint.step }
                return judged?.aligned == true && good(checkpoint)
            }
        }
    }
}

extension TrialRecord.Checkpoint {
    /// The timeline event of a settled checkpoint.
    var event: TrialEvent {
        .checkpoint(generation: generation, step: step, path: path, sha256: sha256, loss: evaluation ?? .nan, good: good)
    }
}
