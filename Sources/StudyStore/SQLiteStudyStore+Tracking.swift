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
                             point: MetricPoint(step: row.int(2), name: row.text(3), value: Self.decode(row.optionalDouble(4), type: row.text(5)),
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
        var deliveries: [TrackingSubject: TrackingDelivery] = [:]
        for (number, json) in rows {
            guard let delivery = try? JSONDecoder().decode(TrackingDelivery.self, from: Data(json.utf8)) else {
                throw StudyStoreError.unreadable("the record of what \(sink) was sent of \(number < 0 ? "the study" : "trial \(number)") is unreadable: \(json.prefix(80))")
            }
            deliveries[TrackingSubject(storedNumber: number)] = delivery
        }
        return deliveries
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
                  .text(valueType(point.value, intermediate: true)), .integer(point.timestampMilliseconds)])
    }
}
