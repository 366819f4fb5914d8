import Alignment
import Logging
import Supervision
import Training

/// How a trial is run, judged and restarted.
public struct TrialConfiguration: Sendable {
    /// Makes the trainer of each incarnation (in-process built-in, child process, script).
    public var makeTrainer: @Sendable (TrainRequest) -> any Trainer
    /// Early-stopping criteria.
    public var earlyStop: EarlyStopPolicy
    /// The objective the judge's patience and the study use.
    public var objective: TrialObjective
    /// When attention counts as aligned.
    public var thresholds: AlignmentThresholds
    /// Smart-restart rules.
    public var restart: RestartPolicy
    /// Delay before each restart.
    public var backoff: Backoff
    /// Silence after which an incarnation counts as hung.
    public var heartbeatTimeout: Duration
    /// The session-wide restart intensity, if any.
    public var restartBudget: RestartBudget?
    /// Capacity of the trial's mailboxes.
    public var mailboxCapacity: Int
    /// The clock for backoff and intensity.
    public var time: TimeSource
    /// The seed of backoff jitter.
    public var seed: UInt64
    /// Where supervision decisions are logged.
    public var logger: Logger
    /// The memory watchdog that enforces per-trial budgets on child-process trainers.
    public var memory: MemoryActor?
    /// The memory budget of each incarnation, MiB (`nil`: none).
    public var memoryBudgetMiB: Double?
    /// The study's pruner, asked at every validation that did not stop the trial otherwise:
    /// `(trialID, step, objective)` → why to prune, or `nil`. It also records the value. An
    /// error it throws fails the trial's judge (which the trial's supervisor restarts, and past
    /// its intensity ends the trial as failed).
    public var pruneCheck: (@Sendable (String, Int, Double) async throws -> String?)?
    /// How a validation's attention becomes alignment metrics: by default the batch mean of
    /// DESIGN §5 over its samples (``AlignmentAnalysis``). Report data is checked before this
    /// runs. An error it throws fails the trial's quality analysis, as ``pruneCheck``'s does.
    public var alignmentAnalysis: @Sendable (ValidationMetrics) throws -> AlignmentMetrics = QualityActor.batchMetrics

    /// Creates a configuration; the trainer defaults to the built-in one in this process.
    public init(makeTrainer: @escaping @Sendable (TrainRequest) -> any Trainer = { _ in BuiltinTrainer() },
                earlyStop: EarlyStopPolicy = EarlyStopPolicy(), objective: TrialObjective = .standard,
                thresholds: AlignmentThresholds = AlignmentThresholds(), restart: RestartPolicy = .standard,
                backoff: Backoff = Backoff(minimum: .milliseconds(100), maximum: .seconds(30), jitter: 0.1),
                heartbeatTimeout: Duration = .seconds(60), restartBudget: RestartBudget? = nil,
                mailboxCapacity: Int = 256, time: TimeSource = .continuous, seed: UInt64 = 0,
                logger: Logger = Logger(label: "smarttuner.trial"), memory: MemoryActor? = nil,
                memoryBudgetMiB: Double? = nil) {
        self.makeTrainer = makeTrainer
        self.earlyStop = earlyStop
        self.objective = objective
        self.thresholds = thresholds
        self.restart = restart
        self.backoff = backoff
        self.heartbeatTimeout = heartbeatTimeout
        self.restartBudget = restartBudget
        self.mailboxCapacity = mailboxCapacity
        self.time = time
        self.seed = seed
        self.logger = logger
        self.memory = memory
        self.memoryBudgetMiB = memoryBudgetMiB
    }
}
