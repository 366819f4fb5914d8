import Foundation
import Optimization
import PostgresNIO
import StudyStore
import Training

extension PostgresStudyStore {
    /// Takes the next piece of work for `worker` in one transaction, without waiting for any
    /// other worker's locks:
    /// 1. a RUNNING trial whose worker is gone (same host and its process is dead) or silent (no
    ///    heartbeat for `staleAfter` seconds) is locked with `FOR UPDATE SKIP LOCKED` and taken
    ///    over as a new generation, with its checkpoints this host can read;
    /// 2. otherwise the lowest free trial number (`smarttuner_slots`, one per number up to the
    ///    target, locked with `FOR UPDATE SKIP LOCKED`) becomes a trial with the parameters
    ///    `propose` gives for it and the trials so far;
    /// 3. otherwise `.wait` while trials run or numbers are being claimed, or `.done`.
    public func claim(_ study: StoredStudy, worker: WorkerIdentity, staleAfter: Double, now: Date,
                      propose: @Sendable ([TrialSnapshot], Int) -> [String: ParameterValue]?) async throws -> TrialClaim {
        try requireWritable()
        let cutoff = StoreTime.text(now.addingTimeInterval(-staleAfter))
        return try await transaction { connection in
            let owners = try await connection.all("""
                SELECT s.trial_id, s.host, s.pid, s.pid_start, to_char(h.heartbeat, \(Self.timeFormat)) FROM smarttuner_trials s
                JOIN trials t ON t.trial_id = s.trial_id LEFT JOIN trial_heartbeats h ON h.trial_id = s.trial_id
                WHERE s.study_id = \(study.id) AND t.state = 'RUNNING' AND NOT s.external
                  AND (s.host = \(worker.host) OR h.heartbeat IS NULL OR h.heartbeat < \(cutoff)::timestamp)
                ORDER BY t.number FOR UPDATE OF s SKIP LOCKED
                """, logger: self.logger) { try $0.decode((Int64, String?, Int, String, String?).self) }
            for (id, host, pid, start, heartbeat) in owners {
                let sameHostDead = host == worker.host && !WorkerIdentity.isAlive(pid: Int32(clamping: pid), start: start)
                let silent = heartbeat.flatMap(StoreTime.date).map { now.timeIntervalSince($0) > staleAfter } ?? true
                guard sameHostDead || silent, !(host == worker.host && pid == Int(worker.pid)) else { continue }
                // A fresh snapshot under the row lock: the trial may have finished since the statement above began.
                let state = try await connection.all("SELECT state::text FROM trials WHERE trial_id = \(id)", logger: self.logger) {
                    try $0.decode(String.self)
                }.first
                guard state == "RUNNING" else { continue }
                try await connection.query("""
                    UPDATE smarttuner_trials SET generation = generation + 1, interruptions = interruptions + 1, worker = \(worker.label),
                    host = \(worker.host), pid = \(Int(worker.pid)), pid_start = \(worker.processStart), revision = nextval('smarttuner_revision')
                    WHERE trial_id = \(id)
                    """, logger: self.logger)
                try await self.writeHeartbeats([id], now: now, connection)
                guard let trial = try await self.loadTrials(study, ids: [id], connection).first?.trial else { continue }
                try await self.insertEvents(id, [StoredEvent(
                    generation: trial.generation, at: StoreTime.text(now), kind: "interrupted",
                    detail: "taken over by \(worker.label): its worker \(host ?? "?"):\(pid) " +
                        (sameHostDead ? "is no longer running" : "sent no heartbeat for over \(Int(staleAfter)) s"))], connection)
                return .resumed(trial, checkpoints: try await self.storedCheckpoints(id, connection, readableHere: false))
            }
            guard let number = try await self.freeNumber(study, connection) else {
                // No number free now: wait while trials run or numbers are being claimed by others (locked, not yet taken).
                let running = try await connection.all("""
                    SELECT EXISTS (SELECT 1 FROM trials WHERE study_id = \(study.id) AND state = 'RUNNING')
                        OR EXISTS (SELECT 1 FROM smarttuner_slots WHERE study_id = \(study.id) AND trial_id IS NULL)
                    """, logger: self.logger) { try $0.decode(Bool.self) }.first ?? false
                return running ? .wait : .done
            }
            let snapshots = try await self.refreshed(study, connection).sorted { $0.number < $1.number }
                .map { $0.snapshot(direction: study.definition.direction) }
            guard let parameters = propose(snapshots, number) else {
                let others = snapshots.contains { $0.state == .running }
                return others ? .wait : .done
            }
            return .new(try await self.insertTrial(study, number: number, parameters: parameters, worker: worker, external: false,
                                                   now: now, connection))
        }
    }

    /// The lowest trial number no trial has and no other transaction is claiming, locked until commit.
    func freeNumber(_ study: StoredStudy, _ connection: PostgresConnection) async throws -> Int? {
        try await connection.all("""
            SELECT number FROM smarttuner_slots WHERE study_id = \(study.id) AND trial_id IS NULL ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED
            """, logger: logger) { try $0.decode(Int.self) }.first
    }

    /// Creates trial `number` (its slot must be locked or new), RUNNING, with its parameters as
    /// Optuna stores them — in one statement — and returns it as it was written.
    func insertTrial(_ study: StoredStudy, number: Int, parameters: [String: ParameterValue], worker: WorkerIdentity?, external: Bool,
                     now: Date, _ connection: PostgresConnection) async throws -> StoredTrial {
        var names: [String] = [], values: [Double] = [], distributions: [String] = []
        var hyperparameters: [String: Double] = [:]
        var kept: [String: ParameterValue] = [:]
        for parameter in study.definition.space.parameters {
            guard let value = parameters[parameter.name],
                  let stored = OptunaDistribution.internalValue(value, in: parameter.distribution) else { continue }
            names.append(parameter.name)
            values.append(stored)
            distributions.append(OptunaDistribution.json(parameter.distribution))
            kept[parameter.name] = value
            if let number = value.number { hyperparameters[parameter.name] = number }
        }
        let started = StoreTime.text(now)
        let label = worker?.label ?? (external ? "external" : nil)
        let rows = try await connection.all("""
            WITH trial AS (
                INSERT INTO trials (number, study_id, state, datetime_start) VALUES (\(number), \(study.id), 'RUNNING', \(started)::timestamp)
                RETURNING trial_id
            ), parameters AS (
                INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)
                SELECT trial.trial_id, p.* FROM trial, unnest(\(names)::text[], \(values)::float8[], \(distributions)::text[]) AS p
            ), own AS (
                INSERT INTO smarttuner_trials (trial_id, study_id, worker, host, pid, pid_start, external, hyperparameters_json)
                SELECT trial.trial_id, \(study.id), \(label), \(worker?.host), \(Int(worker?.pid ?? 0)), \(worker?.processStart ?? ""), \(external),
                       \(try StoredRows.json(hyperparameters)) FROM trial
                RETURNING revision
            ), slot AS (
                INSERT INTO smarttuner_slots (study_id, number, trial_id) SELECT \(study.id), \(number), trial.trial_id FROM trial
                ON CONFLICT (study_id, number) DO UPDATE SET trial_id = excluded.trial_id
            ), heartbeat AS (
                INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT trial.trial_id, \(started)::timestamp FROM trial
            )
            SELECT trial.trial_id, own.revision FROM trial, own
            """, logger: logger) { try $0.decode((Int64, Int64).self) }
        guard let (id, revision) = rows.first else { throw StudyStoreError.invalidState("trial \(number) could not be created") }
        let trial = StoredTrial(id: id, number: number, state: .running, parameters: kept, value: nil, intermediate: [:], generation: 0,
                                worker: label, interruptions: 0, lastStep: 0, hyperparameters: hyperparameters, outcome: nil, summaryJSON: nil,
                                quality: [:], startedAt: started, completedAt: nil, external: external)
        // Known as written: the next read of the study need not load it again.
        cache.withLock { $0[study.id, default: [:]][id] = CachedTrial(revision: revision, trial: trial) }
        return trial
    }

    /// Creates a RUNNING trial for an outside script (never taken over by workers): the lowest
    /// free number, or past the last one; `nil` when the sampler has nothing left to propose.
    public func ask(_ study: StoredStudy, now: Date,
                    propose: @Sendable ([TrialSnapshot], Int) -> [String: ParameterValue]?) async throws -> StoredTrial? {
        try requireWritable()
        return try await transaction { connection in
            // Numbers past the target are appended one at a time.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("smarttuner.ask." + study.definition.name), 0))",
                                       logger: self.logger)
            let free = try await self.freeNumber(study, connection)
            let number: Int
            if let free {
                number = free
            } else {
                number = try await connection.all("SELECT coalesce(max(number), -1) + 1 FROM smarttuner_slots WHERE study_id = \(study.id)",
                                                  logger: self.logger) { try $0.decode(Int.self) }.first ?? 0
            }
            let snapshots = try await self.refreshed(study, connection).sorted { $0.number < $1.number }
                .map { $0.snapshot(direction: study.definition.direction) }
            guard let parameters = propose(snapshots, number) else { return nil }
            return try await self.insertTrial(study, number: number, parameters: parameters, worker: nil, external: true, now: now, connection)
        }
    }
}
