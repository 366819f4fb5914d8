import TinyTacotron

/// Everything a trainer needs to run one incarnation of a trial (DESIGN §3).
public struct TrainRequest: Sendable, Hashable, Codable {
    /// The trial.
    public var trialID: String
    /// The incarnation (0 first, +1 per restart).
    public var generation: Int
    /// Hyperparameters by name.
    public var hyperparameters: [String: Double]
    /// Total step budget (a resumed incarnation continues to it).
    public var steps: Int
    /// Validate every this many steps (and at the end).
    public var validationInterval: Int
    /// Checkpoint every this many steps (and at the end); 0 only at the end.
    public var checkpointInterval: Int
    /// Where checkpoints go.
    public var checkpointDirectory: String
    /// The checkpoint to resume from, if any.
    public var resumeCheckpoint: String?
    /// Seed of the built-in workload's corpus.
    public var corpusSeed: UInt64
    /// The built-in workload's corpus shape, when not the default (external trainers ignore it).
    public var builtinCorpus: CorpusConfiguration?
    /// How many validation utterances' attention each validation event carries.
    public var attentionSamples: Int
    /// Seconds between heartbeats.
    public var heartbeatInterval: Double
    /// Faults to inject (testing and drills).
    public var faults: FaultPlan
    /// BLAS threads for the built-in workload.
    public var blasThreads: Int
    /// Memory the incarnation may use, in MiB (0: no limit known to the trainer).
    public var memoryBudgetMiB: Int

    /// Creates a request.
    public init(trialID: String, generation: Int = 0, hyperparameters: [String: Double] = [:], steps: Int = 1_500,
                validationInterval: Int = 100, checkpointInterval: Int = 500, checkpointDirectory: String,
                resumeCheckpoint: String? = nil, corpusSeed: UInt64 = 1, attentionSamples: Int = 16,
                heartbeatInterval: Double = 1, faults: FaultPlan = FaultPlan(), blasThreads: Int = 1,
                memoryBudgetMiB: Int = 0) {
        self.trialID = trialID
        self.generation = generation
        self.hyperparameters = hyperparameters
        self.steps = steps
        self.validationInterval = validationInterval
        self.checkpointInterval = checkpointInterval
        self.checkpointDirectory = checkpointDirectory
        self.resumeCheckpoint = resumeCheckpoint
        self.corpusSeed = corpusSeed
        self.builtinCorpus = nil
        self.attentionSamples = attentionSamples
        self.heartbeatInterval = heartbeatInterval
        self.faults = faults
        self.blasThreads = blasThreads
        self.memoryBudgetMiB = memoryBudgetMiB
    }
}
