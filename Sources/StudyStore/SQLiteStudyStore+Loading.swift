import Foundation
import Optimization
import Training

extension SQLiteStudyStore {
    /// The cached trials of `study`, brought up to date with only the trials changed since
    /// the last read (every change bumps the study's revision and stamps the trial).
    static func refreshed(_ study: StoredStudy, _ state: inout StoreState) throws -> [StoredTrial] {
        let connection = state.connection
        let seen = state.revisions[study.id] ?? -1
        let current = try connection.query("SELECT revision FROM smarttuner_studies WHERE study_id = ?", [.integer(study.id)]) { $0.int(0) }.first ?? 0
        if current != seen {
            let changed = try connection.query("SELECT trial_id FROM smarttuner_trials WHERE study_id = ? AND revision > ?",
                                               [.integer(study.id), .int(seen)]) { Int64($0.int(0)) }
            var cache = seen < 0 ? [:] : state.cache[study.id] ?? [:]
            for trial in try loadTrials(study, ids: changed, connection, hasQuality: state.schemaVersion >= 2) { cache[trial.id] = trial }
            state.cache[study.id] = cache
            state.revisions[study.id] = current
        }
        return Array((state.cache[study.id] ?? [:]).values)
    }

    /// Loads trials by row id (all of them in one pass per table).
    /// (`hasQuality`: the file has schema 2's `quality_json`; a file opened read-only may be older.)
    static func loadTrials(_ study: StoredStudy, ids: [Int64], _ connection: SQLiteConnection, hasQuality: Bool = true) throws -> [StoredTrial] {
        guard !ids.isEmpty else { return [] }
        let list = ids.map(String.init).joined(separator: ",")
        let space = Dictionary(study.definition.space.parameters.map { ($0.name, $0.distribution) }) { first, _ in first }
        var parameters: [Int64: [String: ParameterValue]] = [:]
        for (id, name, value) in try connection.query("SELECT trial_id, param_name, param_value FROM trial_params WHERE trial_id IN (\(list))", row: {
            (Int64($0.int(0)), $0.text(1), $0.double(2))
        }) {
            guard let distribution = space[name], let external = OptunaDistribution.externalValue(value, in: distribution) else { continue }
            parameters[id, default: [:]][name] = external
        }
        var intermediate: [Int64: [Int: Double]] = [:]
        for (id, step, value) in try connection.query("""
            SELECT trial_id, step, intermediate_value, intermediate_value_type FROM trial_intermediate_values WHERE trial_id IN (\(list))
            """, row: { (Int64($0.int(0)), $0.int(1), StoredRows.value($0.optionalDouble(2), type: $0.text(3))) }) {
            intermediate[id, default: [:]][step] = value
        }
        var values: [Int64: Double] = [:]
        for (id, value) in try connection.query("SELECT trial_id, value, value_type FROM trial_values WHERE objective = 0 AND trial_id IN (\(list))", row: {
            (Int64($0.int(0)), StoredRows.value($0.optionalDouble(1), type: $0.text(2)))
        }) { values[id] = value }
        return try connection.query("""
            SELECT t.trial_id, t.number, t.state, t.datetime_start, t.datetime_complete, s.generation, s.worker, s.interruptions,
                   s.last_step, s.hyperparameters_json, s.outcome, s.summary_json, s.external, \(hasQuality ? "s.quality_json" : "NULL")
            FROM trials t LEFT JOIN smarttuner_trials s ON s.trial_id = t.trial_id WHERE t.trial_id IN (\(list))
            """) { row in
            let id = Int64(row.int(0))
            return StoredTrial(
                id: id, number: row.int(1), state: StoredRows.trialState(optunaName: row.text(2)), parameters: parameters[id] ?? [:], value: values[id],
                intermediate: intermediate[id] ?? [:], generation: row.optionalInt(5) ?? 0, worker: row.optionalText(6),
                interruptions: row.optionalInt(7) ?? 0, lastStep: row.optionalInt(8) ?? 0, hyperparameters: StoredRows.numbers(row.optionalText(9)),
                outcome: row.optionalText(10).flatMap(StoredOutcome.init(rawValue:)), summaryJSON: row.optionalText(11),
                quality: StoredRows.numbers(row.optionalText(13)),
                startedAt: row.optionalText(3),
                completedAt: row.optionalText(4), external: (row.optionalInt(12) ?? 0) != 0)
        }
    }

    /// A trial's timeline.
    public func events(of trial: StoredTrial) throws -> [StoredEvent] {
        try withConnection { state in
            try state.connection.query("SELECT generation, at, kind, detail FROM smarttuner_events WHERE trial_id = ? ORDER BY event_id",
                                       [.integer(trial.id)]) { StoredEvent(generation: $0.int(0), at: $0.text(1), kind: $0.text(2), detail: $0.text(3)) }
        }
    }

    /// A trial's checkpoints whose files exist, newest first; ``Checkpoint/good`` says which
    /// may be resumed from.
    public func checkpoints(of trial: StoredTrial) throws -> [Checkpoint] {
        try withConnection { try Self.storedCheckpoints(trial.id, $0.connection, schemaVersion: $0.schemaVersion) }
    }

    /// A trial's smart restarts, in order.
    /// - Throws: ``StudyStoreError/unreadable(_:)`` for a row whose cause or changes this
    ///   version cannot read.
    public func restarts(of trial: StoredTrial) throws -> [StoredRestart] {
        let rows = try withConnection { state in
            // (A file opened read-only may predate schema 4's `kind`: its restarts were all cold.)
            try state.connection.query("""
                SELECT generation, cause, evidence, changes_json, checkpoint, backoff_seconds, \(state.schemaVersion >= 4 ? "kind" : "'cold'") FROM smarttuner_restarts WHERE trial_id = ? ORDER BY restart_id
                """, [.integer(trial.id)]) {
                (generation: $0.int(0), cause: $0.text(1), evidence: $0.text(2), changes: $0.text(3), checkpoint: $0.optionalText(4),
                 backoff: $0.double(5), kind: $0.text(6))
            }
        }
        return try rows.map {
            try StoredRows.restart(trial: trial.number, generation: $0.generation, cause: $0.cause, evidence: $0.evidence, changes: $0.changes,
                                   checkpoint: $0.checkpoint, backoff: $0.backoff, kind: $0.kind)
        }
    }
}
