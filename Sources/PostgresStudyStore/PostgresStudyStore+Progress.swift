import Foundation
import Optimization
import PostgresNIO
import StudyStore
import Training

extension PostgresStudyStore {
    /// Writes a batch of a running trial's progress in one transaction (see
    /// ``StudyStore/report(_:in:generation:progress:now:)``): several rows of a kind in one statement.
    public func report(_ trial: StoredTrial, in study: StoredStudy, generation: Int, progress: TrialProgress, now: Date) async throws {
        try requireWritable()
        let values = progress.values.sorted { $0.key < $1.key }
        let qualityJSON = try progress.quality.map { try StoredRows.json($0.filter { $0.value.isFinite }) }
        let lastStep = progress.lastStep ?? values.last?.key ?? 0
        try await transaction { connection in
            try await self.requireOwned(trial, generation: generation, connection)
            if !values.isEmpty {
                try await connection.query("""
                    INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type)
                    SELECT \(trial.id), step, CASE WHEN kind = 'FINITE' THEN value END, kind::trialintermediatevaluetype
                    FROM unnest(\(values.map(\.key))::int8[], \(values.map(\.value))::float8[],
                                \(values.map { StoredRows.valueType($0.value, intermediate: true) })::text[]) AS v (step, value, kind)
                    ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value,
                    intermediate_value_type = excluded.intermediate_value_type
                    """, logger: self.logger)
            }
            for checkpoint in progress.checkpoints {
                // A checkpoint that is not good is kept as known-bad weights (false), so that it
                // reads back not good whatever made it so.
                let finite: Bool? = checkpoint.good ? checkpoint.weightsFinite : false
                let loss: Double? = checkpoint.evaluation.flatMap { $0.isFinite ? $0 : nil }
                try await connection.query("""
                    INSERT INTO smarttuner_checkpoints (trial_id, generation, step, path, sha256, loss, aligned, weights_finite, heatmap, host)
                    VALUES (\(trial.id), \(checkpoint.generation), \(checkpoint.step), \(checkpoint.path), \(checkpoint.sha256), \(loss),
                            \(checkpoint.aligned == true), \(finite), \(checkpoint.heatmap), \(checkpoint.host))
                    """, logger: self.logger)
            }
            try await self.insertEvents(trial.id, progress.events, connection)
            try await self.insertMetrics(trial.id, generation: generation, progress.metrics, connection)
            if let quality = progress.quality {
                try await self.writeUserAttributes(trial.id, StoredRows.qualityAttributes(quality), connection)
            }
            try await connection.query("""
                UPDATE smarttuner_trials SET last_step = GREATEST(last_step, \(lastStep)), revision = nextval('smarttuner_revision'),
                quality_json = COALESCE(\(qualityJSON), quality_json) WHERE trial_id = \(trial.id)
                """, logger: self.logger)
            try await self.writeHeartbeats([trial.id], now: now, connection)
        }
    }

    /// Records a smart restart in one transaction: the new generation, its hyperparameters,
    /// what caused it, and the timeline events queued before it.
    public func recordRestart(_ trial: StoredTrial, in study: StoredStudy, previousGeneration: Int, restart: StoredRestart,
                              hyperparameters: [String: Double], events: [StoredEvent], now: Date) async throws {
        try requireWritable()
        let parameters = try StoredRows.json(hyperparameters)
        let changes = try StoredRows.json(restart.changes)
        try await transaction { connection in
            try await self.requireOwned(trial, generation: previousGeneration, connection)
            try await connection.query("""
                INSERT INTO smarttuner_restarts (trial_id, generation, cause, evidence, changes_json, checkpoint, backoff_seconds, kind)
                VALUES (\(trial.id), \(restart.generation), \(restart.cause.rawValue), \(restart.evidence), \(changes), \(restart.checkpoint),
                        \(restart.backoffSeconds), \(restart.kind.rawValue))
                """, logger: self.logger)
            try await self.insertEvents(trial.id, events, connection)
            try await connection.query("""
                UPDATE smarttuner_trials SET generation = \(restart.generation), hyperparameters_json = \(parameters),
                revision = nextval('smarttuner_revision') WHERE trial_id = \(trial.id)
                """, logger: self.logger)
        }
    }

    /// Ends a trial, once: its state, value (complete and pruned trials), outcome and summary.
    /// The write is keyed by (trial, generation): a stale generation's result is refused.
    public func finish(_ trial: StoredTrial, in study: StoredStudy, generation: Int, state: TrialState, value: Double?,
                       outcome: StoredOutcome, summaryJSON: String?, events: [StoredEvent], now: Date) async throws {
        try requireWritable()
        guard state != .running else { throw StudyStoreError.invalidState("a trial cannot finish as running") }
        try await transaction { connection in
            try await self.requireOwned(trial, generation: generation, connection)
            try await connection.query("""
                UPDATE trials SET state = \(StoredRows.optunaState(state))::trialstate, datetime_complete = \(StoreTime.text(now))::timestamp
                WHERE trial_id = \(trial.id)
                """, logger: self.logger)
            if let value, state != .failed, !value.isNaN {
                let stored: Double? = value.isFinite ? value : nil
                try await connection.query("""
                    INSERT INTO trial_values (trial_id, objective, value, value_type)
                    VALUES (\(trial.id), 0, \(stored), \(StoredRows.valueType(value, intermediate: false))::trialvaluetype)
                    ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type
                    """, logger: self.logger)
            }
            try await self.insertEvents(trial.id, events, connection)
            let generationNow = try await connection.all("""
                UPDATE smarttuner_trials SET outcome = \(outcome.rawValue), summary_json = \(summaryJSON), revision = nextval('smarttuner_revision')
                WHERE trial_id = \(trial.id) RETURNING generation
                """, logger: self.logger) { try $0.decode(Int.self) }.first ?? generation
            let causes = try await connection.all("SELECT cause FROM smarttuner_restarts WHERE trial_id = \(trial.id) ORDER BY restart_id",
                                                  logger: self.logger) { try $0.decode(String.self) }
            try await self.writeUserAttributes(trial.id, StoredRows.endingAttributes(outcome: outcome, restartCauses: causes,
                                                                                    generation: generationNow), connection)
            try await connection.query("DELETE FROM trial_heartbeats WHERE trial_id = \(trial.id)", logger: self.logger)
        }
    }

    /// Refreshes the heartbeat of those of `trials` that `worker` still owns: a trial another
    /// worker has taken over keeps that worker's heartbeat, so that it goes stale if that worker
    /// falls silent in turn. (The ownership rows are read under a share lock: a take-over in
    /// flight is waited for, and seen.)
    public func heartbeat(_ trials: [StoredTrial], worker: WorkerIdentity, now: Date) async throws {
        guard !trials.isEmpty else { return }
        try requireWritable()
        try await transaction { connection in
            let owned = try await connection.all("""
                SELECT trial_id FROM smarttuner_trials WHERE trial_id = ANY(\(trials.map(\.id))) AND host = \(worker.host)
                AND pid = \(Int(worker.pid)) AND pid_start = \(worker.processStart) ORDER BY trial_id FOR SHARE
                """, logger: self.logger) { try $0.decode(Int64.self) }
            try await self.writeHeartbeats(owned, now: now, connection)
        }
    }

    /// Refuses a write unless the trial is RUNNING at `generation`; locks its row until commit.
    func requireOwned(_ trial: StoredTrial, generation: Int, _ connection: PostgresConnection) async throws {
        let rows = try await connection.all("""
            SELECT t.state::text, s.generation FROM trials t JOIN smarttuner_trials s ON s.trial_id = t.trial_id
            WHERE t.trial_id = \(trial.id) FOR UPDATE OF s
            """, logger: logger) { try $0.decode((String, Int).self) }
        guard let (state, current) = rows.first else { throw StudyStoreError.invalidState("trial \(trial.number) is not in the study database") }
        // A stale generation is told so even when the newer one has finished the trial: its worker drops the run.
        guard current == generation else {
            throw StudyStoreError.supersededGeneration(trial: trial.number, current: current, writing: generation)
        }
        guard state == "RUNNING" else {
            throw StudyStoreError.invalidState("trial \(trial.number) has already finished (\(state)); its result is kept and not overwritten")
        }
    }

    func writeHeartbeats(_ ids: [Int64], now: Date, _ connection: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query("""
            INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT id, \(StoreTime.text(now))::timestamp FROM unnest(\(ids)::int8[]) AS id
            ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat
            """, logger: logger)
    }

    func insertEvents(_ id: Int64, _ events: [StoredEvent], _ connection: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        try await connection.query("""
            INSERT INTO smarttuner_events (trial_id, generation, at, kind, detail)
            SELECT \(id), e.generation, e.at, e.kind, e.detail
            FROM unnest(\(events.map(\.generation))::int8[], \(events.map(\.at))::text[], \(events.map(\.kind))::text[],
                        \(events.map(\.detail))::text[]) WITH ORDINALITY AS e (generation, at, kind, detail, n) ORDER BY e.n
            """, logger: logger)
    }
}
