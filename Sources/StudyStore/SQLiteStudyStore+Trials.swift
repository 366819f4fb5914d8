import Foundation
import Optimization
import Training

extension SQLiteStudyStore {
    /// Every trial of `study`, in number order.
    public func trials(of study: StoredStudy) throws -> [StoredTrial] {
        try withConnection { state in try Self.refreshed(study, &state).sorted { $0.number < $1.number } }
    }

    /// Takes the next piece of work for `worker`, atomically across processes:
    /// 1. a trial left RUNNING by a dead worker (same host and its process is gone, or its
    ///    heartbeat is older than `staleAfter` seconds) is taken over as a new generation and
    ///    resumed from its last good checkpoint;
    /// 2. otherwise, while the study has fewer than its target trials, a new trial is created
    ///    with the parameters `propose` returns for its number and the trials so far;
    /// 3. otherwise `.wait` while other trials run, or `.done`.
    public func claim(_ study: StoredStudy, worker: WorkerIdentity, staleAfter: Double, now: Date,
                      propose: @Sendable ([TrialSnapshot], Int) -> [String: ParameterValue]?) throws -> TrialClaim {
        try requireWritable()
        return try withConnection { state in
            let connection = state.connection
            return try connection.writeTransaction {
                let trials = try Self.refreshed(study, &state)
                let running = try connection.query("""
                    SELECT t.trial_id, s.host, s.pid, s.pid_start, s.external, h.heartbeat FROM trials t
                    JOIN smarttuner_trials s ON s.trial_id = t.trial_id LEFT JOIN trial_heartbeats h ON h.trial_id = t.trial_id
                    WHERE t.study_id = ? AND t.state = 'RUNNING' ORDER BY t.number
                    """, [.integer(study.id)]) { row in
                    (id: Int64(row.int(0)), host: row.optionalText(1), pid: Int32(row.int(2)), start: row.text(3),
                     external: row.int(4) != 0, heartbeat: row.optionalText(5))
                }
                for owner in running where !owner.external {
                    let sameHostDead = owner.host == worker.host && !WorkerIdentity.isAlive(pid: owner.pid, start: owner.start)
                    let silent = owner.heartbeat.flatMap(StoreTime.date).map { now.timeIntervalSince($0) > staleAfter } ?? true
                    guard sameHostDead || silent, !(owner.host == worker.host && owner.pid == worker.pid) else { continue }
                    let revision = try Self.bumpRevision(study, connection)
                    try connection.run("""
                        UPDATE smarttuner_trials SET generation = generation + 1, interruptions = interruptions + 1, worker = ?, host = ?,
                        pid = ?, pid_start = ?, revision = ? WHERE trial_id = ?
                        """, [.text(worker.label), .text(worker.host), .int(Int(worker.pid)), .text(worker.processStart), .int(revision),
                              .integer(owner.id)])
                    try Self.writeHeartbeat(owner.id, now: now, connection)
                    let trial = try Self.loadTrials(study, ids: [owner.id], connection)[0]
                    state.cache[study.id, default: [:]][owner.id] = trial
                    try Self.insertEvent(owner.id, StoredEvent(
                        generation: trial.generation, at: StoreTime.text(now), kind: "interrupted",
                        detail: "taken over by \(worker.label): its worker \(owner.host ?? "?"):\(owner.pid) " +
                            (sameHostDead ? "is no longer running" : "sent no heartbeat for over \(Int(staleAfter)) s")), connection)
                    return .resumed(trial, checkpoints: try Self.storedCheckpoints(owner.id, connection, readableHere: false))
                }
                let count = trials.count
                if count < study.definition.targetTrials {
                    let snapshots = trials.sorted { $0.number < $1.number }.map { $0.snapshot(direction: study.definition.direction) }
                    if let parameters = propose(snapshots, count) {
                        let trial = try Self.insertTrial(study, number: count, parameters: parameters, worker: worker, external: false,
                                                         now: now, connection)
                        state.cache[study.id, default: [:]][trial.id] = trial
                        return .new(trial)
                    }
                }
                return running.isEmpty ? .done : .wait
            }
        }
    }

    static func insertTrial(_ study: StoredStudy, number: Int, parameters: [String: ParameterValue], worker: WorkerIdentity?,
                            external: Bool, now: Date, _ connection: SQLiteConnection) throws -> StoredTrial {
        let at = StoreTime.text(now)
        try connection.run("INSERT INTO trials (number, study_id, state, datetime_start) VALUES (?, ?, 'RUNNING', ?)",
                           [.int(number), .integer(study.id), .text(at)])
        let id = connection.lastInsertID
        var hyperparameters: [String: Double] = [:]
        for parameter in study.definition.space.parameters {
            guard let value = parameters[parameter.name],
                  let stored = OptunaDistribution.internalValue(value, in: parameter.distribution) else { continue }
            try connection.run("INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)",
                               [.integer(id), .text(parameter.name), .real(stored), .text(OptunaDistribution.json(parameter.distribution))])
            if let number = value.number { hyperparameters[parameter.name] = number }
        }
        let revision = try bumpRevision(study, connection)
        try connection.run("""
            INSERT INTO smarttuner_trials (trial_id, study_id, worker, host, pid, pid_start, external, hyperparameters_json, revision)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(id), .integer(study.id), .optional(worker?.label ?? (external ? "external" : nil)), .optional(worker?.host),
                  .int(Int(worker?.pid ?? 0)), .text(worker?.processStart ?? ""), .int(external ? 1 : 0),
                  .text(try encode(hyperparameters)), .int(revision)])
        try writeHeartbeat(id, now: now, connection)
        return try loadTrials(study, ids: [id], connection)[0]
    }

    /// Writes a batch of a running trial's progress in one transaction (see
    /// ``StudyStore/report(_:in:generation:progress:now:)``).
    public func report(_ trial: StoredTrial, in study: StoredStudy, generation: Int, progress: TrialProgress, now: Date) throws {
        let values = progress.values.sorted { $0.key < $1.key }.map { (step: $0.key, value: $0.value) }
        let (lastStep, quality, checkpoints, events, metrics) = (progress.lastStep, progress.quality, progress.checkpoints, progress.events,
                                                                 progress.metrics)
        try requireWritable()
        let qualityJSON = try quality.map { try Self.encode($0.filter { $0.value.isFinite }) }
        try withConnection { state in
            let connection = state.connection
            try connection.writeTransaction {
                try Self.requireOwned(trial, generation: generation, connection)
                for (step, value) in values {
                    try connection.run("""
                        INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?)
                        ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value,
                        intermediate_value_type = excluded.intermediate_value_type
                        """, [.integer(trial.id), .int(step), value.isFinite ? .real(value) : .null, .text(StoredRows.valueType(value, intermediate: true))])
                }
                for checkpoint in checkpoints {
                    try connection.run("""
                        INSERT INTO smarttuner_checkpoints (trial_id, generation, step, path, sha256, loss, aligned, weights_finite, heatmap, host)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, [.integer(trial.id), .int(checkpoint.generation), .int(checkpoint.step), .text(checkpoint.path),
                              .text(checkpoint.sha256), checkpoint.evaluation.map { $0.isFinite ? .real($0) : .null } ?? .null,
                              .int(checkpoint.aligned == true ? 1 : 0),
                              // A checkpoint that is not good is kept as known-bad weights (0), so that
                              // it reads back not good whatever made it so.
                              checkpoint.good ? checkpoint.weightsFinite.map { .int($0 ? 1 : 0) } ?? .null : .int(0),
                              .optional(checkpoint.heatmap), .optional(checkpoint.host)])
                }
                for event in events { try Self.insertEvent(trial.id, event, connection) }
                for point in metrics { try Self.insertMetric(trial.id, generation: generation, point, connection) }
                if let quality {
                    try Self.writeUserAttributes(trial.id, StoredRows.qualityAttributes(quality), connection)
                }
                let revision = try Self.bumpRevision(study, connection)
                try connection.run("""
                    UPDATE smarttuner_trials SET last_step = MAX(last_step, ?), revision = ?, quality_json = COALESCE(?, quality_json)
                    WHERE trial_id = ?
                    """, [.int(lastStep ?? values.map(\.step).max() ?? 0), .int(revision), .optional(qualityJSON), .integer(trial.id)])
                try Self.writeHeartbeat(trial.id, now: now, connection)
            }
        }
    }

    /// Records a smart restart in one transaction: the new generation, its hyperparameters,
    /// what caused it, and the timeline events queued before it.
    public func recordRestart(_ trial: StoredTrial, in study: StoredStudy, previousGeneration: Int, restart: StoredRestart,
                              hyperparameters: [String: Double], events: [StoredEvent], now: Date) throws {
        try requireWritable()
        let parameters = try Self.encode(hyperparameters)
        let changes = try Self.encode(restart.changes)
        try withConnection { state in
            let connection = state.connection
            try connection.writeTransaction {
                try Self.requireOwned(trial, generation: previousGeneration, connection)
                try connection.run("""
                    INSERT INTO smarttuner_restarts (trial_id, generation, cause, evidence, changes_json, checkpoint, backoff_seconds, kind)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.integer(trial.id), .int(restart.generation), .text(restart.cause.rawValue), .text(restart.evidence),
                          .text(changes), .optional(restart.checkpoint), .real(restart.backoffSeconds), .text(restart.kind.rawValue)])
                for event in events { try Self.insertEvent(trial.id, event, connection) }
                let revision = try Self.bumpRevision(study, connection)
                try connection.run("UPDATE smarttuner_trials SET generation = ?, hyperparameters_json = ?, revision = ? WHERE trial_id = ?",
                                   [.int(restart.generation), .text(parameters), .int(revision), .integer(trial.id)])
            }
        }
    }

    /// Ends a trial, once: its state, value (complete and pruned trials), outcome and summary.
    /// The write is keyed by (trial, generation): a stale generation's result is refused.
    public func finish(_ trial: StoredTrial, in study: StoredStudy, generation: Int, state finalState: TrialState, value: Double?,
                       outcome: StoredOutcome, summaryJSON: String?, events: [StoredEvent], now: Date) throws {
        try requireWritable()
        guard finalState != .running else { throw StudyStoreError.invalidState("a trial cannot finish as running") }
        try withConnection { state in
            let connection = state.connection
            try connection.writeTransaction {
                try Self.requireOwned(trial, generation: generation, connection)
                let optunaState = StoredRows.optunaState(finalState)
                try connection.run("UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ?",
                                   [.text(optunaState), .text(StoreTime.text(now)), .integer(trial.id)])
                if let value, finalState != .failed, !value.isNaN {
                    try connection.run("INSERT OR REPLACE INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, ?, ?)",
                                       [.integer(trial.id), value.isFinite ? .real(value) : .null, .text(StoredRows.valueType(value, intermediate: false))])
                }
                for event in events { try Self.insertEvent(trial.id, event, connection) }
                let revision = try Self.bumpRevision(study, connection)
                try connection.run("UPDATE smarttuner_trials SET outcome = ?, summary_json = ?, revision = ? WHERE trial_id = ?",
                                   [.text(outcome.rawValue), .optional(summaryJSON), .int(revision), .integer(trial.id)])
                try Self.writeUserAttributes(trial.id, try Self.endingAttributes(trial.id, outcome: outcome, connection), connection)
                try connection.run("DELETE FROM trial_heartbeats WHERE trial_id = ?", [.integer(trial.id)])
            }
        }
    }

    /// Refreshes the heartbeat of those of `trials` that `worker` still owns: a trial another
    /// worker has taken over keeps that worker's heartbeat, so that it goes stale if that worker
    /// falls silent in turn.
    public func heartbeat(_ trials: [StoredTrial], worker: WorkerIdentity, now: Date) throws {
        guard !trials.isEmpty else { return }
        try requireWritable()
        try withConnection { state in
            try state.connection.writeTransaction {
                for trial in trials {
                    let owned = try state.connection.query("""
                        SELECT 1 FROM smarttuner_trials WHERE trial_id = ? AND host = ? AND pid = ? AND pid_start = ?
                        """, [.integer(trial.id), .text(worker.host), .int(Int(worker.pid)), .text(worker.processStart)]) { _ in true }
                    if !owned.isEmpty { try Self.writeHeartbeat(trial.id, now: now, state.connection) }
                }
            }
        }
    }

    static func requireOwned(_ trial: StoredTrial, generation: Int, _ connection: SQLiteConnection) throws {
        let rows = try connection.query("""
            SELECT t.state, s.generation FROM trials t JOIN smarttuner_trials s ON s.trial_id = t.trial_id WHERE t.trial_id = ?
            """, [.integer(trial.id)]) { ($0.text(0), $0.int(1)) }
        guard let row = rows.first else { throw StudyStoreError.invalidState("trial \(trial.number) is not in the study file") }
        // A stale generation is told so even when the newer one has finished the trial: its worker drops the run.
        guard row.1 == generation else {
            throw StudyStoreError.supersededGeneration(trial: trial.number, current: row.1, writing: generation)
        }
        guard row.0 == "RUNNING" else {
            throw StudyStoreError.invalidState("trial \(trial.number) has already finished (\(row.0)); its result is kept and not overwritten")
        }
    }

    static func writeHeartbeat(_ id: Int64, now: Date, _ connection: SQLiteConnection) throws {
        try connection.run("INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?, ?) ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat",
                           [.integer(id), .text(StoreTime.text(now))])
    }

    static func insertEvent(_ id: Int64, _ event: StoredEvent, _ connection: SQLiteConnection) throws {
        try connection.run("INSERT INTO smarttuner_events (trial_id, generation, at, kind, detail) VALUES (?, ?, ?, ?, ?)",
                           [.integer(id), .int(event.generation), .text(event.at), .text(event.kind), .text(event.detail)])
    }

    static func bumpRevision(_ study: StoredStudy, _ connection: SQLiteConnection) throws -> Int {
        try connection.run("UPDATE smarttuner_studies SET revision = revision + 1 WHERE study_id = ?", [.integer(study.id)])
        return try connection.query("SELECT revision FROM smarttuner_studies WHERE study_id = ?", [.integer(study.id)]) { $0.int(0) }.first ?? 0
    }

    /// The trial's checkpoints, newest first: those whose files exist here (`readableHere`), or
    /// all of them (a take-over: the resume point is chosen from them by
    /// ``Checkpoint/resumePoint(from:before:matching:)``, which verifies each file, and what could
    /// not be read is recorded). (`schemaVersion`: the file's; one opened read-only may predate
    /// schema 3's, 5's and 6's columns.)
    static func storedCheckpoints(_ id: Int64, _ connection: SQLiteConnection, schemaVersion: Int = SQLiteStudyStore.schemaVersion,
                                  readableHere: Bool = true) throws -> [Checkpoint] {
        try connection.query("""
            SELECT generation, step, path, sha256, loss, aligned, \(schemaVersion >= 3 ? "weights_finite" : "NULL"),
            \(schemaVersion >= 5 ? "heatmap" : "NULL"), \(schemaVersion >= 6 ? "host" : "NULL") FROM smarttuner_checkpoints
            WHERE trial_id = ? ORDER BY step DESC, checkpoint_id DESC
            """, [.integer(id)]) { row in
            Checkpoint(generation: row.int(0), step: row.int(1), path: row.text(2), sha256: row.text(3), heatmap: row.optionalText(7),
                       weightsFinite: row.optionalInt(6).map { $0 != 0 }, evaluation: row.optionalDouble(4), aligned: row.int(5) != 0,
                       host: row.optionalText(8))
        }.filter { !readableHere || FileManager.default.fileExists(atPath: $0.path) }
    }
}
