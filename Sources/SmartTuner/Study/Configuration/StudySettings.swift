import Alignment
import Foundation
import Optimization
import StudyStore
import TrainerAdapters
import Training

/// Everything that defines and runs a study (DESIGN §8), as typed, validated values: what the
/// YAML file decodes into, and what embedders build in code.
public struct StudySettings: Sendable {
    /// The study's name, unique in its file.
    public var name: String
    /// Where the study is stored, as written (a file path, a `sqlite:///` or a `postgresql://` URL;
    /// ``storeLocation()`` reads it).
    public var storage: String
    /// The environment variable a PostgreSQL store's password is read from (`study.storage.password_env`).
    public var storagePasswordVariable = "PGPASSWORD"
    /// Minimise or maximise the objective.
    public var direction: StudyDirection = .minimize
    /// Trials in all.
    public var trials: Int
    /// Trials run at once by this process.
    public var parallelism: Int = 1
    /// The sampler.
    public var sampler: SamplerSettings = .tpe()
    /// The pruner.
    public var pruner: PrunerSettings = .median()
    /// The seed of the sampler and of backoff jitter.
    public var seed: UInt64 = 0
    /// The search space.
    public var space: SearchSpace
    /// How trials train.
    public var trainer: TrainerSettings
    /// When attention counts as aligned.
    public var thresholds = AlignmentThresholds()
    /// Early stopping.
    public var earlyStop = EarlyStopPolicy()
    /// The objective.
    public var objective: TrialObjective = .standard
    /// Smart restart.
    public var restart: RestartPolicy = .standard
    /// Seconds without a heartbeat after which another worker takes a trial over.
    public var staleAfterSeconds: Double = 60
    /// Memory budget per trial (child-process trainers), MiB.
    public var memoryBudgetMiB: Double?
    /// Alert destinations.
    public var alerts = AlertSettings()
    /// What is kept for tracking systems and where it goes.
    public var tracking = TrackingSettings()

    /// Creates settings; the rest keep their defaults.
    public init(name: String, storage: String, trials: Int, space: SearchSpace, trainer: TrainerSettings) {
        self.name = name
        self.storage = storage
        self.trials = trials
        self.space = space
        self.trainer = trainer
    }

    /// The study's stored definition.
    public var definition: StudyDefinition {
        StudyDefinition(name: name, direction: direction, space: space, seed: seed, targetTrials: trials,
                        configurationJSON: StudyPlan(self).json)
    }

    /// The study's folder, `<trainer.directory>/<name>`: trials' and the final training's
    /// checkpoints, and the default event log.
    public var directory: String { (trainer.directory as NSString).appendingPathComponent(name) }

    /// The default event log, `<directory>/events.jsonl`.
    public var defaultEventLog: String { (directory as NSString).appendingPathComponent("events.jsonl") }
}

/// How trials train (YAML `trainer`).
public struct TrainerSettings: Sendable, Hashable {
    /// What runs a trial.
    public enum Kind: Sendable, Hashable {
        /// The built-in TinyTacotron, in this process or in a child process.
        case builtin(childProcess: Bool)
        /// An external training script speaking the worker protocol (docs/protocol.md).
        case command([String])
        /// An unmodified training script, run and read by an adapter (docs/adapters.md).
        case adapted(AdapterSettings)
    }

    /// What runs a trial.
    public var kind: Kind = .builtin(childProcess: false)
    /// Steps per trial.
    public var steps: Int = 1_500
    /// Validate every this many steps.
    public var validationInterval: Int = 100
    /// Checkpoint every this many steps.
    public var checkpointInterval: Int = 500
    /// Where each trial's checkpoints go: `<directory>/<study>/trial-<number>/g<generation>`.
    public var directory: String = "runs"
    /// Fixed hyperparameters every trial gets (the search space overrides them).
    public var fixed: [String: Double] = [:]
    /// Seed of the built-in corpus.
    public var corpusSeed: UInt64 = 1
    /// The built-in corpus shape (nil: the default).
    public var corpus: BuiltinOptions.CorpusShape = .standard
    /// Steps of `auto`'s final, full-budget training of the best parameters (`nil`: twice
    /// `steps`).
    public var finalSteps: Int?
    /// Seconds of silence after which a trainer counts as hung.
    public var heartbeatTimeoutSeconds: Double = 60
    /// Faults injected into every trial (drills), in `FaultPlan` syntax.
    public var faults: String?

    /// Creates trainer settings with defaults.
    public init(kind: Kind = .builtin(childProcess: false)) { self.kind = kind }

    /// The steps of the final training: `finalSteps`, or twice `steps`.
    public var fullBudgetSteps: Int { finalSteps ?? steps * 2 }
}

/// Where alerts go (YAML `alerts`). Secrets come from the environment only.
public struct AlertSettings: Sendable, Hashable {
    /// The Telegram chat id (the bot token is read from TELEGRAM_BOT_TOKEN).
    public var telegramChat: String?
    /// A webhook URL (a bearer token is read from SMARTTUNER_WEBHOOK_TOKEN).
    public var webhook: String?
    /// The JSON-lines event log (default: `<trainer.directory>/<study>/events.jsonl`).
    public var eventLog: String?

    /// No alerts but the event log.
    public init() {}
}
