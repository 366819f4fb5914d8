import Alignment
import DequeModule
import Synchronization
import Training

/// Everything known about one trial across its incarnations: the event timeline, checkpoints,
/// quality history and restarts. Shared by the trial's actors and read synchronously by its
/// restart decider, so it is a lock-protected class rather than an actor.
///
/// The quality history (the validations and recent training losses of the trial's lineage)
/// belongs to the trial and survives its incarnations: ``beginIncarnation(generation:resumeCheckpoint:)``
/// cuts it back to the step the new incarnation resumes from (everything, from scratch).
public final class TrialRecord: Sendable {
    private struct State {
        var timeline: [TrialEvent] = []
        var checkpoints: [Checkpoint] = []
        /// Indices into `checkpoints` of those whose evaluation is not settled yet.
        var unsettled: Set<Int> = []
        var qualityHistory: [(generation: Int, step: Int, aligned: Bool, loss: Double)] = []
        var lineage = QualityTracker()
        /// The newest step of the lineage whose validation the judge reached a verdict on.
        var judgedThrough = 0
        var recentLosses = Deque<Double>()
        var lastStep = 0
        var firstAligned: Int?
        var lastQuality: QualityReport?
        var lastObjective: Double?
        var visibility = TrainerVisibility.full
        var visibilityRecorded = false
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
    private let metricsObserver: (@Sendable (TrialMetrics) -> Void)?

    /// Creates an empty record; `observer` hears every event as it is recorded (alerts,
    /// stores), `stepObserver` every training step (progress displays), `metricsObserver` the
    /// figures of every step and validation (the study file, for tracking systems).
    public init(trialID: String, observer: (@Sendable (String, TrialEvent) -> Void)? = nil,
                stepObserver: (@Sendable (Int, StepMetrics) -> Void)? = nil,
                metricsObserver: (@Sendable (TrialMetrics) -> Void)? = nil) {
        self.trialID = trialID
        self.observer = observer
        self.stepObserver = stepObserver
        self.metricsObserver = metricsObserver
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

    /// The objective of the last judged validation, with or without attention.
    public var lastObjective: Double? { state.withLock { $0.lastObjective } }

    /// What the trainer of the newest incarnation lets the tuner see.
    public var visibility: TrainerVisibility { state.withLock { $0.visibility } }

    /// Notes what the trainer of `generation` lets the tuner see; the timeline says so when it
    /// is not everything (once per change).
    func noteVisibility(_ visibility: TrainerVisibility, generation: Int) {
        let changed = state.withLock { state -> Bool in
            defer { state.visibility = visibility }
            return state.visibility != visibility || (visibility != .full && !state.visibilityRecorded)
        }
        guard changed, visibility != .full else { return }
        state.withLock { $0.visibilityRecorded = true }
        append(.visibility(generation: generation, visibility))
    }

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

    /// Seeds a trial taken over from another process with what its store knows: its
    /// checkpoints, with whether the trial was aligned at each. The lineage learns where it was
    /// aligned (not its focus: the store keeps only the last validation's).
    public func seed(checkpoints: [Checkpoint]) {
        let ordered = checkpoints.sorted { ($0.step, $0.generation) < ($1.step, $1.generation) }
        let alignedSteps = ordered.filter { $0.aligned == true }.map(\.step)
        state.withLock { state in
            state.unsettled = Set(state.unsettled.map { $0 + ordered.count })
            state.checkpoints = ordered + state.checkpoints
            state.qualityHistory = ordered.map { ($0.generation, $0.step, $0.aligned == true, Double.nan) } + state.qualityHistory
            state.lineage.seed(alignedSteps.map { QualityTracker.Point(step: $0, focus: .nan, aligned: true) })
            state.firstAligned = state.firstAligned ?? alignedSteps.first
            state.lastStep = max(state.lastStep, ordered.last?.step ?? 0)
            // A take-over resumes where every validation before it was recorded.
            state.judgedThrough = max(state.judgedThrough, ordered.last?.step ?? 0)
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
        for checkpoint in settled { append(.checkpoint(checkpoint)) }
        stepObserver?(generation, metrics)
        metricsObserver?(.training(metrics, generation: generation))
    }

    /// Notes a validation's losses as reported (before they are judged).
    func recordValidationLosses(_ losses: [String: Double], step: Int, generation: Int) {
        metricsObserver?(.validationLosses(losses, step: step, generation: generation))
    }

    func recordCheckpoint(_ reported: Checkpoint, generation: Int) {
        var checkpoint = reported
        checkpoint.generation = generation
        checkpoint.evaluation = nil
        let settled = state.withLock { state -> Checkpoint? in
            // The validation at its step may have been judged before the checkpoint arrived
            // (they travel different paths): it evaluates the weights all the same.
            let validation = state.qualityHistory.last { $0.generation == generation && $0.step == checkpoint.step }
            checkpoint.evaluation = validation?.loss
            if validation == nil { state.unsettled.insert(state.checkpoints.count) }
            state.checkpoints.append(checkpoint)
            return validation == nil ? nil : checkpoint
        }
        if let settled { append(.checkpoint(settled)) }
    }

    /// Settles the incarnation's checkpoints that nothing evaluated (it ended right after them):
    /// each is good only if its trainer vouched for its weights.
    func settleCheckpoints(generation: Int) {
        let settled = state.withLock { state in Self.settle(&state, generation: generation) { _ in .unevaluated } }
        for checkpoint in settled { append(.checkpoint(checkpoint)) }
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
        guard !state.unsettled.isEmpty else { return [] }
        var settled: [Checkpoint] = []
        for index in state.unsettled.sorted() where state.checkpoints[index].generation == generation {
            switch settling(state.checkpoints[index]) {
            case .pending: continue
            case .evaluated(let loss): state.checkpoints[index].evaluation = loss
            case .unevaluated: break
            }
            state.unsettled.remove(index)
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
        for checkpoint in settled { append(.checkpoint(checkpoint)) }
        metricsObserver?(.judged(report.metrics, objective: objective, step: report.step, generation: generation))
        append(.quality(generation: generation, step: report.step, metrics: report.metrics, aligned: report.aligned, objective: objective))
        if first { append(.firstAlignment(generation: generation, step: report.step)) }
    }

    /// Records a validation of a trainer that gives no attention: its loss and objective, no
    /// alignment (none is known).
    func recordValidation(step: Int, validationLoss: Double, objective: Double, generation: Int) {
        let settled = state.withLock { state -> [Checkpoint] in
            state.qualityHistory.append((generation, step, false, validationLoss))
            state.lastObjective = objective
            return Self.settle(&state, generation: generation) { $0.step == step ? .evaluated(validationLoss) : .pending }
        }
        for checkpoint in settled { append(.checkpoint(checkpoint)) }
        metricsObserver?(.judged(nil, objective: objective, step: step, generation: generation))
        append(.quality(generation: generation, step: step, metrics: nil, aligned: nil, objective: objective))
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

    /// The checkpoint to resume from after a failure, per `point` (DESIGN §4), by the one rule
    /// (``Checkpoint/resumePoint(from:before:matching:)``): `nil` means from scratch. "Before
    /// the spike" means holding weights whose own evaluation (the next step's loss) came before
    /// the failure's first anomalous step.
    ///
    /// Checkpoints at or after `failureStep` never count: a trainer that runs ahead of its
    /// judge writes them after the failure, from the run that failed.
    public func checkpoint(for point: ResumePoint, failureStep: Int?, firstAnomalousStep: Int? = nil) -> Checkpoint? {
        let limit = failureStep ?? Int.max
        let (checkpoints, history, everAligned) = state.withLock { ($0.checkpoints, $0.qualityHistory, $0.firstAligned != nil) }
        switch point {
        case .scratch:
            return nil
        case .lastGoodCheckpoint:
            return Checkpoint.resumePoint(from: checkpoints, before: limit)
        case .beforeSpike:
            // The weights of the checkpoint at step s are what the loss of step s + 1 measured: the
            // one just before the first anomalous step holds the weights that made the spike.
            return Checkpoint.resumePoint(from: checkpoints, before: min(limit, firstAnomalousStep.map { $0 - 1 } ?? limit))
        case .lastAlignedOrScratch:
            guard everAligned else { return nil }
            return Checkpoint.resumePoint(from: checkpoints, before: limit) { checkpoint in
                checkpoint.aligned ?? (history.last { $0.generation == checkpoint.generation && $0.step <= checkpoint.step }?.aligned == true)
            }
        }
    }
}
