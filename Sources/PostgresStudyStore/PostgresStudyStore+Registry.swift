import Foundation
import PostgresNIO
import StudyStore

extension PostgresStudyStore {
    /// Registers a new version of `name` as a candidate.
    @discardableResult
    public func register(name: String, study: String, trial: Int, checkpoint: String, sha256: String, metrics: [String: Double],
                         parameters: [String: Double], now: Date) async throws -> RegisteredModel {
        try requireWritable()
        guard !name.isEmpty else { throw StudyStoreError.invalidState("a model needs a non-empty name") }
        let metricsJSON = try StoredRows.json(metrics.filter { $0.value.isFinite })
        let parametersJSON = try StoredRows.json(parameters)
        let at = StoreTime.text(now)
        let version = try await transaction { connection in
            // Versions of one name are numbered in turn.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("smarttuner.model." + name), 0))", logger: self.logger)
            let version = (try await connection.all("SELECT max(version) FROM smarttuner_models WHERE name = \(name)", logger: self.logger) {
                try $0.decode(Int?.self)
            }.first ?? nil) ?? 0
            let id = try await connection.all("""
                INSERT INTO smarttuner_models (name, version, study_name, trial_number, checkpoint, sha256, metrics_json, parameters_json, stage, created_at)
                VALUES (\(name), \(version + 1), \(study), \(trial), \(checkpoint), \(sha256), \(metricsJSON), \(parametersJSON), 'candidate', \(at))
                RETURNING model_id
                """, logger: self.logger) { try $0.decode(Int64.self) }[0]
            try await connection.query("INSERT INTO smarttuner_model_stages (model_id, stage, at, note) VALUES (\(id), 'candidate', \(at), 'registered')",
                                       logger: self.logger)
            return version + 1
        }
        guard let model = try await models(named: name).first(where: { $0.version == version }) else {
            throw StudyStoreError.noSuchModel("model '\(name)' vanished after registration")
        }
        return model
    }

    /// Registered models, all or of one name, by name and version.
    public func models(named name: String?) async throws -> [RegisteredModel] {
        guard hasSmartTunerTables else { return [] }
        return try await read { connection in
            let rows = try await connection.all("""
                SELECT model_id, name, version, study_name, trial_number, checkpoint, sha256, metrics_json, parameters_json, stage, created_at
                FROM smarttuner_models WHERE \(name)::text IS NULL OR name = \(name) ORDER BY name, version
                """, logger: self.logger) { try $0.decode((Int64, String, Int, String, Int, String, String, String, String, String, String).self) }
            var history: [Int64: [RegisteredModel.StageChange]] = [:]
            for (id, stage, at, note) in try await connection.all("""
                SELECT model_id, stage, at, note FROM smarttuner_model_stages WHERE model_id = ANY(\(rows.map(\.0))) ORDER BY id
                """, logger: self.logger, { try $0.decode((Int64, String, String, String).self) }) {
                history[id, default: []].append(.init(stage: ModelStage(rawValue: stage) ?? .candidate, at: at, note: note))
            }
            return rows.map { row in
                StoredRows.model(name: row.1, version: row.2, study: row.3, trial: row.4, checkpoint: row.5, sha256: row.6, metrics: row.7,
                                 parameters: row.8, stage: row.9, createdAt: row.10, history: history[row.0] ?? [])
            }
        }
    }

    /// Moves version `version` of `name` to `stage`; promoting to production archives the
    /// previous production version.
    @discardableResult
    public func setStage(name: String, version: Int, to stage: ModelStage, note: String, now: Date) async throws -> RegisteredModel {
        try requireWritable()
        let at = StoreTime.text(now)
        try await transaction { connection in
            guard let id = try await connection.all("""
                SELECT model_id FROM smarttuner_models WHERE name = \(name) AND version = \(version) FOR UPDATE
                """, logger: self.logger, { try $0.decode(Int64.self) }).first else {
                let versions = try await connection.all("SELECT version FROM smarttuner_models WHERE name = \(name) ORDER BY version",
                                                        logger: self.logger) { String(try $0.decode(Int.self)) }
                throw StudyStoreError.noSuchModel(versions.isEmpty ? "no model named '\(name)' is registered"
                                                  : "model '\(name)' has no version \(version); it has versions \(versions.joined(separator: ", "))")
            }
            if stage == .production {
                try await connection.query("""
                    WITH replaced AS (
                        UPDATE smarttuner_models SET stage = 'archived' WHERE name = \(name) AND stage = 'production' AND model_id != \(id) RETURNING model_id)
                    INSERT INTO smarttuner_model_stages (model_id, stage, at, note)
                    SELECT model_id, 'archived', \(at), \("replaced by version \(version)") FROM replaced
                    """, logger: self.logger)
            }
            try await connection.query("UPDATE smarttuner_models SET stage = \(stage.rawValue) WHERE model_id = \(id)", logger: self.logger)
            try await connection.query("INSERT INTO smarttuner_model_stages (model_id, stage, at, note) VALUES (\(id), \(stage.rawValue), \(at), \(note))",
                                       logger: self.logger)
        }
        guard let model = try await models(named: name).first(where: { $0.version == version }) else {
            throw StudyStoreError.noSuchModel("model '\(name)' version \(version) vanished")
        }
        return model
    }
}
