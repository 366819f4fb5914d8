import Foundation
import Optimization
import Training

/// How stored columns read back as typed values: one rule for every backend (SQLite and
/// PostgreSQL hand these the same texts and numbers).
package enum StoredRows {
    /// Optuna's state name of a trial state (`COMPLETE`, `PRUNED`, `FAIL`, `RUNNING`).
    package static func optunaState(_ state: TrialState) -> String {
        switch state {
        case .complete: return "COMPLETE"
        case .pruned: return "PRUNED"
        case .failed: return "FAIL"
        case .running: return "RUNNING"
        }
    }

    /// The trial state of Optuna's state name; `nil` for WAITING (or a name this version does not know).
    package static func trialState(optunaName: String) -> TrialState? {
        switch optunaName {
        case "RUNNING": return .running
        case "COMPLETE": return .complete
        case "PRUNED": return .pruned
        case "FAIL": return .failed
        default: return nil
        }
    }

    /// Optuna's value type of a value (`FINITE`, `INF_POS`, `INF_NEG`, and for intermediate
    /// values `NAN`); the value column holds NULL for every non-finite value.
    package static func valueType(_ value: Double, intermediate: Bool) -> String {
        if value.isNaN { return intermediate ? "NAN" : "FINITE" }
        if value == .infinity { return "INF_POS" }
        if value == -.infinity { return "INF_NEG" }
        return "FINITE"
    }

    /// The value of a value column and its type.
    package static func value(_ value: Double?, type: String) -> Double {
        switch type {
        case "INF_POS": return .infinity
        case "INF_NEG": return -.infinity
        case "NAN": return .nan
        default: return value ?? .nan
        }
    }

    /// A JSON object of numbers (hyperparameters, quality), or empty when absent or unreadable.
    package static func numbers(_ json: String?) -> [String: Double] {
        json.flatMap { try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8)) } ?? [:]
    }

    /// Sorted-keys JSON of a value.
    package static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A restart row, typed.
    /// - Throws: ``StudyStoreError/unreadable(_:)`` for a cause, kind or changes this version cannot read.
    package static func restart(trial: Int, generation: Int, cause: String, evidence: String, changes: String, checkpoint: String?,
                                backoff: Double, kind: String) throws -> StoredRestart {
        let restart = "trial \(trial)'s restart to generation \(generation)"
        guard let typedCause = FailureCause(rawValue: cause) else {
            throw StudyStoreError.unreadable("\(restart) names an unknown cause '\(cause)'")
        }
        guard let typedChanges = try? JSONDecoder().decode([ParameterChange].self, from: Data(changes.utf8)) else {
            throw StudyStoreError.unreadable("\(restart) has unreadable changes: \(changes.prefix(80))")
        }
        guard let typedKind = RestartKind(rawValue: kind) else {
            throw StudyStoreError.unreadable("\(restart) names an unknown kind '\(kind)'")
        }
        return StoredRestart(generation: generation, cause: typedCause, evidence: evidence, changes: typedChanges,
                             checkpoint: checkpoint, backoffSeconds: backoff, kind: typedKind)
    }

    /// A tracking delivery row, typed.
    /// - Throws: ``StudyStoreError/unreadable(_:)`` for a record this version cannot read.
    package static func delivery(_ json: String, number: Int, sink: String) throws -> (TrackingSubject, TrackingDelivery) {
        guard let delivery = try? JSONDecoder().decode(TrackingDelivery.self, from: Data(json.utf8)) else {
            throw StudyStoreError.unreadable("the record of what \(sink) was sent of \(number < 0 ? "the study" : "trial \(number)") is unreadable: \(json.prefix(80))")
        }
        return (TrackingSubject(storedNumber: number), delivery)
    }

    /// A registered model's row, typed (unreadable metrics or parameters read as none).
    package static func model(name: String, version: Int, study: String, trial: Int, checkpoint: String, sha256: String, metrics: String,
                              parameters: String, stage: String, createdAt: String, history: [RegisteredModel.StageChange]) -> RegisteredModel {
        RegisteredModel(name: name, version: version, study: study, trial: trial, checkpoint: checkpoint, sha256: sha256,
                        metrics: numbers(metrics), parameters: numbers(parameters), stage: ModelStage(rawValue: stage) ?? .candidate,
                        createdAt: createdAt, history: history)
    }

    /// The Optuna user attributes of a trial that has ended: its outcome, its restarts (how
    /// many, and their causes in order) and its generations.
    package static func endingAttributes(outcome: StoredOutcome, restartCauses: [String], generation: Int) -> [String: UserAttribute] {
        ["outcome": .text(outcome.words), "restarts": .number(Double(restartCauses.count)), "restart_causes": .texts(restartCauses),
         "generations": .number(Double(generation + 1))]
    }

    /// The user attributes a validation's quality figures become (the alignment metrics; not the step or objective).
    package static func qualityAttributes(_ quality: [String: Double]) -> [String: UserAttribute] {
        quality.filter { $0.key != "step" && $0.key != "objective" }.mapValues { .number($0) }
    }
}

/// A value of an Optuna user attribute.
package enum UserAttribute {
    case number(Double), text(String), texts([String])

    /// As JSON; `nil` for a number JSON cannot hold.
    package var json: String? {
        switch self {
        case .number(let x):
            guard x.isFinite else { return nil }
            return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
        case .text(let text): return (try? JSONEncoder().encode(text)).map { String(decoding: $0, as: UTF8.self) }
        case .texts(let texts): return (try? JSONEncoder().encode(texts)).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
