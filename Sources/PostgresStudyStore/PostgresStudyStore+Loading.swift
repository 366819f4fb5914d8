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
        for trial in try await loadTrials(study, ids: stale, connection) { loaded[trial.id] = trial }
        var current: [Int64: CachedTrial] = [:]
        for (id, revision) in revisions {
            if let trial = loaded[id] { current[id] = CachedTrial(revision: revision, trial: trial) } else if let kept = cached[id] { current[id] = kept }
        }
        cache.withLock { $0[study.id] = current }
        return current.values.map(\.trial)
    }

    /// Loads trials by row id (all of them in one query per table).
    func loadTrials(_ study: StoredStudy, ids: [Int64], _ connection: PostgresConnection) async throws -> [StoredTrial] {
        guard !ids.isEmpty else { return [] }
        let space = Dictionary(study.definition.space.parameters.map { ($0.name, $0.distribution) }) { first, _ in first }
        var parameters: [Int64: [String: ParameterValue]] = [:]
        for (id, name, value) in try await connection.all("""
            SELECT trial_id, param_name::text, param_value FROM trial_params WHERE trial_id = ANY(\(ids))
            """, logger: logger, { try $0.decode((Int64, String, Double).self) }) {
            guard let distribution = space[name], let external = OptunaDistribution.externalValue(value, in: distribution) else { continue }
            parameters[id, default: [:]][name] = external
        }
        var intermediate: [Int64: [Int: Double]] = [:]
        for (id, step, value, type) in try await connection.all("""
            SELECT trial_id, step, intermediate_value, intermediate_value_type::text FROM trial_intermediate_values WHERE trial_id = ANY(\(ids))
            """, logger: logger, { try $0.decode((Int64, Int, Double?, String).self) }) {
            intermediate[id, default: [:]][step] = StoredRows.value(value, type: type)
        }
        var values: [Int64: Double] = [:]
        for (id, value, type) in try await connection.all("""
            SELECT trial_id, value, value_type::text FROM trial_values WHERE objective = 0 AND trial_id = ANY(\(ids))
            """, logger: logger, { try $0.decode((Int64, Double?, String).self) }) {
            values[id] = StoredRows.value(value, type: type)
        }
        return try await connection.all("""
            SELECT t.trial_id, t.number, t.state::text, to_char(t.datetime_start, \(Self.timeFormat)), to_char(t.datetime_complete, \(Self.timeFormat)),
                   s.generation, s.worker, s.interruptions, s.last_step, s.hyperparameters_json, s.outcome, s.summary_json, s.external, s.quality_json
            FROM trials t LEFT JOIN \(unescaped: trialsTable) s ON s.trial_id = t.trial_id WHERE t.trial_id = ANY(\(ids))
            """, logger: logger) { row in
            let (id, number, state, started, completed, generation, worker, interruptions, lastStep, hyperparameters, outcome, summary,
                 external, quality) = try row.decode((Int64, Int?, String, String?, String?, Int?, String?, Int?, Int?, String?, String?, String?,
                                                      Bool?, String?).self)
            return StoredTrial(
                id: id, number: number ?? 0, state: StoredRows.trialState(optunaName: state), parameters: parameters[id] ?? [:], value: values[id],
                intermediate: intermediate[id] ?? [:], generation: generation ?? 0, worker: worker, interruptions: interruptions ?? 0,
                // A trial Optuna made has no SmartTuner row: its furthest step is its last report's.
                lastStep: lastStep ?? intermediate[id]?.keys.max() ?? 0, hyperparameters: StoredRows.numbers(hyperparameters), outcome: outcome.flatMap(StoredOutcome.init(rawValue:)),
                summaryJSON: summary, quality: StoredRows.numbers(quality), startedAt: started, completedAt: completed, external: external ?? false)
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
