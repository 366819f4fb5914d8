import Foundation
import PostgresNIO
import StudyStore

extension PostgresStudyStore {
    /// A trial's figures by step written after row `after` (0: all), in the order written.
    public func metrics(of trial: StoredTrial, after: Int64) async throws -> [StoredMetric] {
        guard hasSmartTunerTables else { return [] }
        return try await read { connection in
            try await connection.all("""
                SELECT metric_id, generation, step, name, value, value_type, at_ms FROM smarttuner_metrics
                WHERE trial_id = \(trial.id) AND metric_id > \(after) ORDER BY metric_id
                """, logger: self.logger) { row in
                let (id, generation, step, name, value, type, at) = try row.decode((Int64, Int, Int, String, Double?, String, Int64).self)
                return StoredMetric(id: id, generation: generation,
                                    point: MetricPoint(step: step, name: name, value: StoredRows.value(value, type: type), timestampMilliseconds: at))
            }
        }
    }

    /// What tracking system `sink` has been sent of `study` and its trials.
    /// - Throws: ``StudyStoreError/unreadable(_:)`` for a record this version cannot read.
    public func deliveries(of study: StoredStudy, sink: String) async throws -> [TrackingSubject: TrackingDelivery] {
        guard hasSmartTunerTables else { return [:] }
        let rows = try await read { connection in
            try await connection.all("""
                SELECT trial_number, delivery_json FROM smarttuner_deliveries WHERE study_id = \(study.id) AND sink = \(sink)
                """, logger: self.logger) { try $0.decode((Int, String).self) }
        }
        return Dictionary(try rows.map { try StoredRows.delivery($1, number: $0, sink: sink) }) { $1 }
    }

    /// Records what tracking system `sink` has been sent of `subject`.
    public func recordDelivery(_ delivery: TrackingDelivery, for subject: TrackingSubject, of study: StoredStudy, sink: String) async throws {
        try requireWritable()
        let json = try StoredRows.json(delivery)
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO smarttuner_deliveries (study_id, sink, trial_number, delivery_json) VALUES (\(study.id), \(sink), \(subject.storedNumber), \(json))
                ON CONFLICT (study_id, sink, trial_number) DO UPDATE SET delivery_json = excluded.delivery_json
                """, logger: self.logger)
        }
    }

    /// Writes Optuna user attributes of a trial (`value_json` as Optuna keeps it), so that
    /// optuna-dashboard shows SmartTuner's judgement beside the values.
    func writeUserAttributes(_ id: Int64, _ values: [String: UserAttribute], _ connection: PostgresConnection) async throws {
        let pairs = values.sorted { $0.key < $1.key }.compactMap { key, value in value.json.map { (key, $0) } }
        guard !pairs.isEmpty else { return }
        try await connection.query("""
            INSERT INTO trial_user_attributes (trial_id, key, value_json) SELECT \(id), * FROM unnest(\(pairs.map(\.0))::text[], \(pairs.map(\.1))::text[])
            ON CONFLICT (trial_id, key) DO UPDATE SET value_json = excluded.value_json
            """, logger: logger)
    }
}
