import Foundation

/// Where a registered model stands.
public enum ModelStage: String, Sendable, Hashable, Codable, CaseIterable {
    /// Registered, not yet in use.
    case candidate
    /// The version in use; at most one per name.
    case production
    /// Retired.
    case archived
}

/// A registered model version.
public struct RegisteredModel: Sendable, Hashable, Codable {
    /// The model's name.
    public let name: String
    /// Its version, from 1 per name.
    public let version: Int
    /// The study and trial it came from.
    public let study: String
    /// The trial number.
    public let trial: Int
    /// The checkpoint file.
    public let checkpoint: String
    /// The checkpoint's SHA-256.
    public let sha256: String
    /// Metrics (objective, DESIGN §5 alignment names).
    public let metrics: [String: Double]
    /// Hyperparameters.
    public let parameters: [String: Double]
    /// The current stage.
    public let stage: ModelStage
    /// When it was registered.
    public let createdAt: String
    /// Every stage it has had, oldest first.
    public let history: [StageChange]

    /// One stage change.
    public struct StageChange: Sendable, Hashable, Codable {
        /// The new stage.
        public let stage: ModelStage
        /// When.
        public let at: String
        /// Why.
        public let note: String

        /// Creates a stage change (backends only).
        package init(stage: ModelStage, at: String, note: String) {
            self.stage = stage
            self.at = at
            self.note = note
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, version, study, trial, checkpoint, sha256, metrics, parameters, stage, history
        case createdAt = "created_at"
    }
}
