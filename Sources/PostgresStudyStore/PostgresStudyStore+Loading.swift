import Foundation
import Optimization
import PostgresNIO
import StudyStore
import Training

/// A cached trial and the revision it was read at (`nil` for a trial Optuna made: always read again).
struct CachedTrial: Sendable {
    let revision: Int64?
    let trial: StoredTrial
}

extension PostgresStudyStore {
    /// Every trial of `study`, in number order.
    public func trials(of study: StoredStudy) async throws -> [StoredTrial] {
        try await read { try await self.refreshed(study, $0) }.sorted { $0.number < $1.number }
    }

    /// The trials of `study`, reading again only those whose revision changed since the last read.
    /// (Revisions come from a sequence: every write of a trial gives it a new one, so comparing
    /// every trial's revision with the cached one misses nothing, however writes interleave.)
    func refreshed(_ study: StoredStudy, _ connection: PostgresConnection) async throws -> [StoredTrial] {
        let revisions = try await connection.all("""
            SELECT t.trial_id, s.revision FROM trials t LEFT JOIN \(unescaped: trialsTable) s ON s.trial_id = t.trial_id
            WHERE t.study_id = \(study.id)
            """, logger: logger) { try $0.decode((Int64, Int64?).self) }
        let cached = cache.withLock { $0[study.id] ?? [:] }
        let stale = revisions.filter { id, revision in revision == nil || cached[id]?.revision != revision }.map(\.0)
        var loaded: [Int64: StoredTrial] = [:]
        for (trial, _) in try await loadTrials(study, ids: stale, connection) { loaded[trial.id] = trial }
        var current: [Int64: CachedTrial] = [:]
        for (id, revision) in revisions {
            if let trial = loaded[id] { current[id] = CachedTrial(revision: revision, trial: trial) } else if let kept = cached[id] { current[id] = kept }
        }
        cache.withLock { $0[study.id] = current }
        return current.values.map(\.trial)
    }

    /// Loads trials by row id, in one query: each trial's row with its parameters, intermediate
    /// values and value gathered beside it (absent values travel as NaN: arrays do not bind optionals).
    func loadTrials(_ study: StoredStudy, ids: [Int64], _ connection: PostgresConnection) async throws -> [(trial: StoredTrial, revision: Int64?)] {
        guard !ids.isEmpty else { return [] }
        let space = Dictionary(study.definition.space.parameters.map { ($0.name, $0.distribution) }) { first, _ in first }
        return try await connection.all("""
            SELECT t.trial_id, t.number, t.state::text, to_char(t.datetime_start, \(Self.timeFormat)), to_char(t.datetime_complete, \(Self.timeFormat)),
                   s.generation, s.worker, s.interruptions, s.last_step, s.hyperparameters_json, s.outcome, s.summary_json, s.external, s.quality_json,
                   s.revision, v.value, v.value_type::text,
                   p.names, p.values, i.steps, i.values, i.types
            FROM trials t LEFT JOIN \(unescaped: trialsTable) s ON s.trial_id = t.trial_id
            LEFT JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0
            LEFT JOIN LATERAL (SELECT array_agg(param_name::text ORDER BY param_id) AS names, array_agg(param_value ORDER BY param_id) AS values
                               FROM trial_params WHERE trial_id = t.trial_id) p ON true
            LEFT JOIN LATERAL (SELECT array_agg(step::int8 ORDER BY step) AS steps, array_agg(COALESCE(intermediate_value, 'NaN') ORDER BY step) AS values,
                                      array_agg(intermediate_value_type::text ORDER BY step) AS types
                               FROM trial_intermediate_values WHERE trial_id = t.trial_id) i ON true
            WHERE t.trial_id = ANY(\(ids))
            """, logger: logger) { row in
            let columns = row.makeRandomAccess()
            let id = try columns[0].decode(Int64.self)
            var parameters: [String: ParameterValue] = [:]
            if let names = try columns[17].decode([String]?.self), let values = try columns[18].decode([Double]?.self) {
                for (name, value) in zip(names, values) {
                    guard let distribution = space[name], let external = OptunaDistribution.externalValue(value, in: distribution) else { continue }
                    parameters[name] = external
                }
            }
            var intermediate: [Int: Double] = [:]
            if let steps = try columns[19].decode([Int64]?.self), let values = try columns[20].decode([Double]?.self),
               let types = try columns[21].decode([String]?.self) {
                for index in steps.indices where index < values.count && index < types.count {
                    intermediate[Int(steps[index])] = StoredRows.value(values[index].isNaN ? nil : values[index], type: types[index])
                }
            }
            let value = try columns[16].decode(String?.self).map { StoredRows.value(try columns[15].decode(Double?.self), type: $0) }
            let lastStep = try columns[8].decode(Int?.self)
            let hyperparameters = try columns[9].decode(String?.self), quality = try columns[13].decode(String?.self)
            let trial = StoredTrial(
                id: id, number: try columns[1].decode(Int?.self) ?? 0, state: StoredRows.trialState(optunaName: try columns[2].decode(String.self)),
                parameters: parameters, value: value, intermediate: intermediate, generation: try columns[5].decode(Int?.self) ?? 0,
                worker: try columns[6].decode(String?.self), interruptions: try columns[7].decode(Int?.self) ?? 0,
                // A trial Optuna made has no SmartTuner row: its furthest step is its last report's.
                lastStep: lastStep ?? intermediate.keys.max() ?? 0, hyperparameters: StoredRows.numbers(hyperparameters),
                outcome: try columns[10].decode(String?.self).flatMap(StoredOutcome.init(rawValue:)), summaryJSON: try columns[11].decode(String?.self),
                quality: StoredRows.numbers(quality), startedAt: try columns[3].decode(String?.self), completedAt: try columns[4].decode(String?.self),
                external: try columns[12].decode(Bool?.self) ?? false)
            return (trial, try columns[14].decode(Int64?.self))
        }
    }

    /// Optuna's datetime text (``StoreTime``) as PostgreSQL's `to_char` writes it.
    static let timeFormat = "YYYY-MM-DD HH24:MI:SS.US"

    /// A trial's timeline.
    public func events(of trial: StoredTrial) async throws -> [StoredEvent] {
        guard hasSmartTunerTables else { return [] }
        return try await read { connection in
            try await connection.all("""
                SELECT generation, at, kind, detail FROM smarttuner_events WHERE trial_id = \(trial.id) ORDER BY event_id
                """, logger: self.logger) { row in
                let (generation, at, kind, detail) = try row.decode((Int, String, String, String).self)
                return StoredEvent(generation: generation, at: at, kind: kind, detail: detail)
            }
        }
    }

    /// A trial's checkpoints whose files this host can see, newest first; ``Checkpoint/good``
    /// says which may be resumed from.
    public func checkpoints(of trial: StoredTrial) async throws -> [Checkpoint] {
        guard hasSmartTunerTables else { return [] }
        return try await read { try await self.storedCheckpoints(trial.id, $0) }
    }

    /// The trial's checkpoints, newest first: those whose files exist here (`readableHere`), or
    /// all of them (a take-over: the resume point is chosen from them by
    /// ``Checkpoint/resumePoint(from:before:matching:)``, which verifies each file, and what
    /// could not be read is recorded).
    func storedCheckpoints(_ id: Int64, _ connection: PostgresConnection, readableHere: Bool = true) async throws -> [Checkpoint] {
        try await connection.all("""
            SELECT generation, step, path, sha256, loss, aligned, weights_finite, heatmap, host FROM smarttuner_checkpoints
            WHERE trial_id = \(id) ORDER BY step DESC, checkpoint_id DESC
            """, logger: logger) { row in
            let (generation, step, path, sha256, loss, aligned, finite, heatmap, host) = try row.decode(
                (Int, Int, String, String, Double?, Bool, Bool?, String?, String?).self)
            return Checkpoint(generation: generation, step: step, path: path, sha256: sha256, heatmap: heatmap, weightsFinite: finite,
                              evaluation: loss, aligned: aligned, host: host)
        }.filter { !readableHere || FileManager.default.fileExists(atPath: $0.path) }
    }

    /// A trial's smart restarts, in order.
    /// - Throws: ``StudyStoreError/unreadable(_:)`` for a row whose cause or changes this version cannot read.
    public func restarts(of trial: StoredTrial) async throws -> [StoredRestart] {
        guard hasSmartTunerTables else { return [] }
        return try await read { connection in
            try await connection.all("""
                SELECT generation, cause, evidence, changes_json, checkpoint, backoff_seconds, kind FROM smarttuner_restarts
                WHERE trial_id = \(trial.id) ORDER BY restart_id
                """, logger: self.logger) { row in
                let (generation, cause, evidence, changes, checkpoint, backoff, kind) = try row.decode((Int, String, String, String, String?, Double, String).self)
                return try StoredRows.restart(trial: trial.number, generation: generation, cause: cause, evidence: evidence, changes: changes,
                                              checkpoint: checkpoint, backoff: backoff, kind: kind)
            }
        }
    }
}
