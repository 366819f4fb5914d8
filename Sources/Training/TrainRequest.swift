/// Everything a trainer needs to run one incarnation of a trial (DESIGN §3). Nothing in it is
/// particular to one trainer: what only one trainer understands travels in ``options``.
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
    /// The step of ``resumeCheckpoint`` when the tuner knows it (protocol 2): training continues
    /// after it.
    public var resumeStep: Int?
    /// How many validation utterances' attention each validation event carries.
    public var attentionSamples: Int
    /// Seconds between heartbeats.
    public var heartbeatInterval: Double
    /// Faults to inject (testing and drills).
    public var faults: FaultPlan
    /// Memory the incarnation may use, in MiB (0: no limit known to the trainer).
    public var memoryBudgetMiB: Int
    /// Settings only one trainer understands, by name (the built-in trainer's corpus, say);
    /// other trainers ignore them.
    public var options: [String: OptionValue]

    /// Creates a request.
    public init(trialID: String, generation: Int = 0, hyperparameters: [String: Double] = [:], steps: Int = 1_500,
                validationInterval: Int = 100, checkpointInterval: Int = 500, checkpointDirectory: String,
                resumeCheckpoint: String? = nil, attentionSamples: Int = 16, heartbeatInterval: Double = 1,
                faults: FaultPlan = FaultPlan(), memoryBudgetMiB: Int = 0, options: [String: OptionValue] = [:]) {
        self.trialID = trialID
        self.generation = generation
        self.hyperparameters = hyperparameters
        self.steps = steps
        self.validationInterval = validationInterval
        self.checkpointInterval = checkpointInterval
        self.checkpointDirectory = checkpointDirectory
        self.resumeCheckpoint = resumeCheckpoint
        self.attentionSamples = attentionSamples
        self.heartbeatInterval = heartbeatInterval
        self.faults = faults
        self.memoryBudgetMiB = memoryBudgetMiB
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case trialID, generation, hyperparameters, steps, validationInterval, checkpointInterval, checkpointDirectory,
             resumeCheckpoint, resumeStep, attentionSamples, heartbeatInterval, faults, memoryBudgetMiB, options
    }

    /// Decodes a request; fields a version-1 writer may leave out take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        trialID = try c.decode(String.self, forKey: .trialID)
        generation = try c.decodeIfPresent(Int.self, forKey: .generation) ?? 0
        hyperparameters = try c.decodeIfPresent([String: Double].self, forKey: .hyperparameters) ?? [:]
        steps = try c.decode(Int.self, forKey: .steps)
        validationInterval = try c.decodeIfPresent(Int.self, forKey: .validationInterval) ?? 100
        checkpointInterval = try c.decodeIfPresent(Int.self, forKey: .checkpointInterval) ?? 500
        checkpointDirectory = try c.decode(String.self, forKey: .checkpointDirectory)
        resumeCheckpoint = try c.decodeIfPresent(String.self, forKey: .resumeCheckpoint)
        resumeStep = try c.decodeIfPresent(Int.self, forKey: .resumeStep)
        attentionSamples = try c.decodeIfPresent(Int.self, forKey: .attentionSamples) ?? 16
        heartbeatInterval = try c.decodeIfPresent(Double.self, forKey: .heartbeatInterval) ?? 1
        faults = try c.decodeIfPresent(FaultPlan.self, forKey: .faults) ?? FaultPlan()
        memoryBudgetMiB = try c.decodeIfPresent(Int.self, forKey: .memoryBudgetMiB) ?? 0
        options = try c.decodeIfPresent([String: OptionValue].self, forKey: .options) ?? [:]
    }
}

/// A trainer-specific setting in a ``TrainRequest``: a JSON number, string or boolean.
public enum OptionValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// A boolean.
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let x): try container.encode(x)
        case .string(let s): try container.encode(s)
        case .bool(let b): try container.encode(b)
        }
    }

    /// The number, if it is one.
    public var number: Double? {
        if case .number(let x) = self { return x }
        return nil
    }

    /// The string, if it is one.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var description: String {
        switch self {
        case .number(let x): return "\(x)"
        case .string(let s): return s
        case .bool(let b): return "\(b)"
        }
    }
}
