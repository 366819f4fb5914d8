import Foundation
import StudyStore

/// What a study file keeps of the configuration that last ran it, for readers that have only
/// the file: `monitor` draws progress bars against `steps`, and `ask --storage` samples with
/// the study's own sampler.
public struct StudyPlan: Sendable, Hashable, Codable {
    /// Steps per trial.
    public var steps: Int
    /// Validate every this many steps.
    public var validationInterval: Int
    /// Steps of `auto`'s final training.
    public var finalSteps: Int
    /// The sampler.
    public var sampler: SamplerSettings

    enum CodingKeys: String, CodingKey {
        case steps, sampler
        case validationInterval = "validation_interval"
        case finalSteps = "final_steps"
    }

    /// The plan of `settings`.
    public init(_ settings: StudySettings) {
        steps = settings.trainer.steps
        validationInterval = settings.trainer.validationInterval
        finalSteps = settings.trainer.fullBudgetSteps
        sampler = settings.sampler
    }

    /// The plan stored with `study`, if any (studies created by SmartTuner before plans were
    /// stored, or by `ask` alone, have none).
    public init?(of study: StoredStudy) {
        guard let json = study.definition.configurationJSON,
              let plan = try? JSONDecoder().decode(StudyPlan.self, from: Data(json.utf8)) else { return nil }
        self = plan
    }

    /// The plan as stored.
    var json: String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) }
    }
}
