import Foundation

extension SQLiteStudyStore {
    /// Registers a new version of `name` as a candidate.
    @discardableResult
    public func register(name: String, study: String, trial: Int, checkpoint: String, sha256: String, metrics: [String: Double],
                         parameters: [String: Double], now: Date) throws -> RegisteredModel {
        try requireWritable()
        guard !name.isEmpty else { throw StudyStoreError.invalidState("a model needs a non-empty name") }
        let metricsJSON = try Self.encode(metrics.filter { $0.value.isFinite })
        let parametersJSON = try Self.encode(parameters)
        let at = StoreTime.text(now)
        try withConnection { state in
            let connection = state.connection
            try connection.writeTransaction {
                let version = (try connection.query("SELECT MAX(version) FROM smarttuner_models WHERE name = ?", [.text(name)]) { $0.optionalInt(0) }.first ?? nil) ?? 0
                try connection.run("""
                    INSERT INTO smarttuner_models (name, version, study_name, trial_number, checkpoint, sha256, metrics_json, parameters_json, stage, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'candidate', ?)
                    """, [.text(name), .int(version + 1), .text(study), .int(trial), .text(checkpoint), .text(sha256), .text(metricsJSON),
                          .text(parametersJSON), .text(at)])
                try connection.run("INSERT INTO smarttuner_model_stages (model_id, stage, at, note) VALUES (?, 'candidate', ?, 'registered')",
                                   [.integer(connection.lastInsertID), .text(at)])
            }
        }
        guard let model = try models(named: name).last else { throw StudyStoreError.noSuchModel("model '\(name)' vanished after registration") }
        return model
    }

    /// Registered models, all or of one name, by name and version.
    public func models(named name: String?) throws -> [RegisteredModel] {
        try withConnection { state in
            let connection = state.connection
            let rows = try connection.query("""
                SELECT model_id, name, version, study_name, trial_number, checkpoint, sha256, metrics_json, parameters_json, stage, created_at
                FROM smarttuner_models WHERE (? IS NULL OR name = ?) ORDER BY name, version
                """, [.optional(name), .optional(name)]) { row in
                (Int64(row.int(0)), row.text(1), row.int(2), row.text(3), row.int(4), row.text(5), row.text(6), row.text(7), row.text(8),
                 row.text(9), row.text(10))
            }
            return try rows.map { row in
                let history = try connection.query("SELECT stage, at, note FROM smarttuner_model_stages WHERE model_id = ? ORDER BY id",
                                                   [.integer(row.0)]) {
                    RegisteredModel.StageChange(stage: ModelStage(rawValue: $0.text(0)) ?? .candidate, at: $0.text(1), note: $0.text(2))
                }
                return StoredRows.model(name: row.1, version: row.2, study: row.3, trial: row.4, checkpoint: row.5, sha256: row.6, metrics: row.7,
                                        parameters: row.8, stage: row.9, createdAt: row.10, history: history)
            }
        }
    }

    /// Moves version `version` of `name` to `stage`; promoting to production archives the
    /// previous production version.
    @discardableResult
    public func setStage(name: String, version: Int, to stage: ModelStage, note: String, now: Date) throws -> RegisteredModel {
        try requireWritable()
        let at = StoreTime.text(now)
        try withConnection { state in
            let connection = state.connection
            try connection.writeTransaction {
                guard let id = try connection.query("SELECT model_id FROM smarttuner_models WHERE name = ? AND version = ?",
                                                    [.text(name), .int(version)], row: { Int64($0.int(0)) }).first else {
                    let versions = try connection.query("SELECT version FROM smarttuner_models WHERE name = ? ORDER BY version", [.text(name)]) { String($0.int(0)) }
                    throw StudyStoreError.noSuchModel(versions.isEmpty ? "no model named '\(name)' is registered"
                                                      : "model '\(name)' has no version \(version); it has versions \(versions.joined(separator: ", "))")
                }
                if stage == .production {
                    for previous in try connection.query("SELECT model_id FROM smarttuner_models WHERE name = ? AND stage = 'production' AND model_id != ?",
                                                         [.text(name), .integer(id)], row: { Int64($0.int(0)) }) {
                        try connection.run("UPDATE smarttuner_models SET stage = 'archived' WHERE model_id = ?", [.integer(previous)])
                        try connection.run("INSERT INTO smarttuner_model_stages (model_id, stage, at, note) VALUES (?, 'archived', ?, ?)",
                                           [.integer(previous), .text(at), .text("replaced by version \(version)")])
                    }
                }
                try connection.run("UPDATE smarttuner_models SET stage = ? WHERE model_id = ?", [.text(stage.rawValue), .integer(id)])
                try connection.run("INSERT INTO smarttuner_model_stages (model_id, stage, at, note) VALUES (?, ?, ?, ?)",
                                   [.integer(id), .text(stage.rawValue), .text(at), .text(note)])
            }
        }
        guard let model = try models(named: name).first(where: { $0.version == version }) else {
            throw StudyStoreError.noSuchModel("model '\(name)' version \(version) vanished")
        }
        return model
    }
}
