import Optimization

/// Whether a study minimises or maximises its objective.
public enum StudyDirection: String, Sendable, Hashable, Codable {
    /// Lower is better (the default objective of DESIGN §6).
    case minimize
    /// Higher is better.
    case maximize

    /// Optuna's name for it.
    package var optunaName: String { self == .minimize ? "MINIMIZE" : "MAXIMIZE" }

    /// `value` as a minimised quantity (samplers and pruners minimise).
    public func minimized(_ value: Double) -> Double { self == .minimize ? value : -value }
}

/// What a study is: its name, direction, search space, seed and trial budget.
public struct StudyDefinition: Sendable, Hashable {
    /// The study's unique name in its file.
    public var name: String
    /// Minimise or maximise.
    public var direction: StudyDirection
    /// The parameters searched.
    public var space: SearchSpace
    /// The seed of its sampler.
    public var seed: UInt64
    /// How many trials the study should have in all.
    public var targetTrials: Int
    /// The configuration it was created from, kept for `status` and `export` (JSON).
    public var configurationJSON: String?

    /// Creates a definition.
    public init(name: String, direction: StudyDirection = .minimize, space: SearchSpace, seed: UInt64 = 0,
                targetTrials: Int, configurationJSON: String? = nil) {
        self.name = name
        self.direction = direction
        self.space = space
        self.seed = seed
        self.targetTrials = targetTrials
        self.configurationJSON = configurationJSON
    }
}

/// A study as stored.
public struct StoredStudy: Sendable, Hashable {
    /// The row id.
    public let id: Int64
    /// The definition.
    public let definition: StudyDefinition

    /// Creates a stored study (backends only).
    package init(id: Int64, definition: StudyDefinition) {
        self.id = id
        self.definition = definition
    }
}
