import Foundation
import Optimization
import PostgresNIO
import StudyStore
import Training

extension PostgresStudyStore {
    /// Writes a batch of a running trial's progress (see
    /// ``StudyStore/report(_:in:generation:progress:now:)``) in one prepared statement, so one
    /// round trip and one transaction (``ProgressStatement``).
    public func report(_ trial: StoredTrial, in study: StoredStudy, generation: Int, progress: TrialProgress, now: Date) async throws {
        try requireWritable()
        let statement = ProgressStatement(
            trialID: trial.id, generation: generation, progress: progress,
            qualityAttributes: progress.quality.map { StoredRows.qualityAttributes($0).sorted { $0.key < $1.key }.compactMap { key, value in value.json.map { (key, $0) } } } ?? [],
            qualityJSON: try progress.quality.map { try StoredRows.json($0.filter { $0.value.isFinite }) } ?? "", now: StoreTime.text(now))
        let rows = try await self.statement { connection in
            var rows: [(String, Int)] = []
            for try await row in try await connection.execute(statement, logger: self.logger) { rows.append(row) }
            return rows
        }
        try Self.requireOwned(trial, generation: generation, found: rows.first)
    }

    /// The last of repeated metric points (same name and step), in the order written: one row each.
    static func lastOfEach(_ points: [MetricPoint]) -> [MetricPoint] {
        var latest: [String: Int] = [:]
        for (index, point) in points.enumerated() { latest["\(point.name)\u{0}\(point.step)"] = index }
        return points.indices.filter { latest["\(points[$0].name)\u{0}\(points[$0].step)"] == $0 }.map { points[$0] }
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
    /// The write is keyed by (trial, generation): a stale generation's result is refused. One
    /// transaction of two statements: the checked writes, then the Optuna user attributes that
    /// sum the trial up (``StoredRows/endingAttributes(outcome:restartCauses:generation:)``, from
    /// the restart causes the first statement read).
    public func finish(_ trial: StoredTrial, in study: StoredStudy, generation: Int, state: TrialState, value: Double?,
                       outcome: StoredOutcome, summaryJSON: String?, events: [StoredEvent], now: Date) async throws {
        try requireWritable()
        guard state != .running else { throw StudyStoreError.invalidState("a trial cannot finish as running") }
        // No value for a failed trial or a NaN; ±infinity is kept by its type.
        let keeps = value.map { state != .failed && !$0.isNaN } ?? false
        let stored = value.flatMap { $0.isFinite ? $0 : nil }
        let valueType = value.map { StoredRows.valueType($0, intermediate: false) } ?? "FINITE"
        try await transaction { connection in
            let rows = try await connection.all("""
                WITH owner AS (
                    SELECT t.state::text AS state, s.generation FROM trials t JOIN smarttuner_trials s ON s.trial_id = t.trial_id
                    WHERE t.trial_id = \(trial.id) FOR UPDATE OF s
                ), allowed AS (
                    SELECT 1 FROM owner WHERE state = 'RUNNING' AND generation = \(generation)
                ), ended AS (
                    UPDATE trials SET state = \(StoredRows.optunaState(state))::trialstate, datetime_complete = \(StoreTime.text(now))::timestamp
                    WHERE trial_id = \(trial.id) AND EXISTS (SELECT 1 FROM allowed)
                ), value AS (
                    INSERT INTO trial_values (trial_id, objective, value, value_type)
                    SELECT \(trial.id), 0, \(stored), \(valueType)::trialvaluetype FROM allowed WHERE \(keeps)
                    ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type
                ), events AS (
                    INSERT INTO smarttuner_events (trial_id, generation, at, kind, detail)
                    SELECT \(trial.id), e.generation, e.at, e.kind, e.detail
                    FROM allowed, unnest(\(events.map(\.generation))::int8[], \(events.map(\.at))::text[], \(events.map(\.kind))::text[],
                                         \(events.map(\.detail))::text[]) WITH ORDINALITY AS e (generation, at, kind, detail, n) ORDER BY e.n
                ), summary AS (
                    UPDATE smarttuner_trials SET outcome = \(outcome.rawValue), summary_json = \(summaryJSON), revision = nextval('smarttuner_revision')
                    WHERE trial_id = \(trial.id) AND EXISTS (SELECT 1 FROM allowed)
                ), heartbeat AS (
                    DELETE FROM trial_heartbeats WHERE trial_id = \(trial.id) AND EXISTS (SELECT 1 FROM allowed)
                )
                SELECT state, generation, ARRAY(SELECT cause FROM smarttuner_restarts WHERE trial_id = \(trial.id) ORDER BY restart_id) FROM owner
                """, logger: self.logger) { try $0.decode((String, Int, [String]).self) }
            try Self.requireOwned(trial, generation: generation, found: rows.first.map { ($0.0, $0.1) })
            try await self.writeUserAttributes(trial.id, StoredRows.endingAttributes(outcome: outcome, restartCauses: rows.first?.2 ?? [],
                                                                                    generation: generation), connection)
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
        try Self.requireOwned(trial, generation: generation, found: rows.first)
    }

    /// Refuses a write unless the trial's (state, generation) as found is RUNNING at `generation`.
    static func requireOwned(_ trial: StoredTrial, generation: Int, found: (String, Int)?) throws {
        guard let (state, current) = found else { throw StudyStoreError.invalidState("trial \(trial.number) is not in the study database") }
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
