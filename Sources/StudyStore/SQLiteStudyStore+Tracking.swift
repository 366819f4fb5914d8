import Foundation

extension SQLiteStudyStore {
    /// A trial's figures by step written after row `after` (0: all), in the order written (see
    /// ``StudyStore/metrics(of:after:)``). A file from before schema 5 has none.
    public func metrics(of trial: StoredTrial, after: Int64) throws -> [StoredMetric] {
        try withConnection { state in
            guard state.schemaVersion >= 5 else { return [] }
            return try state.connection.query("""
                SELECT metric_id, generation, step, name, value, value_type, at_ms FROM smarttuner_metrics
                WHERE trial_id = ? AND metric_id > ? ORDER BY metric_id
                """, [.integer(trial.id), .integer(after)]) { row in
                StoredMetric(id: Int64(row.int(0)), generation: row.int(1),
                             point: MetricPoint(step: row.int(2), name: row.text(3), value: StoredRows.value(row.optionalDouble(4), type: row.text(5)),
                                                timestampMilliseconds: Int64(row.int(6))))
            }
        }
    }

    /// What tracking system `sink` has been sent of `study` and its trials.
    /// - Throws: ``StudyStoreError/unreadable(_:)`` for a record this version cannot read.
    public func deliveries(of study: StoredStudy, sink: String) throws -> [TrackingSubject: TrackingDelivery] {
        let rows = try withConnection { state in
            guard state.schemaVersion >= 5 else { return [(Int, String)]() }
            return try state.connection.query("SELECT trial_number, delivery_json FROM smarttuner_deliveries WHERE study_id = ? AND sink = ?",
                                              [.integer(study.id), .text(sink)]) { ($0.int(0), $0.text(1)) }
        }
        return Dictionary(try rows.map { try StoredRows.delivery($1, number: $0, sink: sink) }) { $1 }
    }

    /// Records what tracking system `sink` has been sent of `subject`.
    public func recordDelivery(_ delivery: TrackingDelivery, for subject: TrackingSubject, of study: StoredStudy, sink: String) throws {
        try requireWritable()
        let json = try Self.encode(delivery)
        try withConnection { state in
            try state.connection.writeTransaction {
                try state.connection.run("""
                    INSERT INTO smarttuner_deliveries (study_id, sink, trial_number, delivery_json) VALUES (?, ?, ?, ?)
                    ON CONFLICT (study_id, sink, trial_number) DO UPDATE SET delivery_json = excluded.delivery_json
                    """, [.integer(study.id), .text(sink), .int(subject.storedNumber), .text(json)])
            }
        }
    }

    static func insertMetric(_ id: Int64, generation: Int, _ point: MetricPoint, _ connection: SQLiteConnection) throws {
        try connection.run("""
            INSERT INTO smarttuner_metrics (trial_id, generation, step, name, value, value_type, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (trial_id, generation, name, step) DO UPDATE SET value = excluded.value, value_type = excluded.value_type,
            at_ms = excluded.at_ms
            """, [.integer(id), .int(generation), .int(point.step), .text(point.name), point.value.isFinite ? .real(point.value) : .null,
                  .text(StoredRows.valueType(point.value, intermediate: true)), .integer(point.timestampMilliseconds)])
    }

    /// Writes Optuna user attributes of a trial (`value_json` as Optuna keeps it), so that
    /// optuna-dashboard shows SmartTuner's judgement beside the values: the last validation's
    /// alignment metrics while it runs, its outcome and restarts once it ends. Non-finite
    /// numbers are left out (JSON has none).
    static func writeUserAttributes(_ id: Int64, _ values: [String: UserAttribute], _ connection: SQLiteConnection) throws {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let json = value.json else { continue }
            try connection.run("""
                INSERT INTO trial_user_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)
                ON CONFLICT (trial_id, "key") DO UPDATE SET value_json = excluded.value_json
                """, [.integer(id), .text(key), .text(json)])
        }
    }

    /// The user attributes of a trial that has ended: its outcome, its restarts (how many, and
    /// their causes in order), its generations and its last validation's metrics.
    static func endingAttributes(_ id: Int64, outcome: StoredOutcome, _ connection: SQLiteConnection) throws -> [String: UserAttribute] {
        let causes = try connection.query("SELECT cause FROM smarttuner_restarts WHERE trial_id = ? ORDER BY restart_id", [.integer(id)]) { $0.text(0) }
        let generation = try connection.query("SELECT generation FROM smarttuner_trials WHERE trial_id = ?", [.integer(id)]) { $0.int(0) }.first ?? 0
        return StoredRows.endingAttributes(outcome: outcome, restartCauses: causes, generation: generation)
    }
}
