import Foundation
import Optimization
import PostgresNIO
import StudyStore

extension PostgresStudyStore {
    /// Creates the study, or opens it if it exists with the same search space and direction.
    /// A larger `targetTrials` than stored raises the budget (more trial numbers to claim); a
    /// given configuration replaces the stored one. A study Optuna created is read, not run.
    public func createOrOpen(_ definition: StudyDefinition) async throws -> StoredStudy {
        try requireWritable()
        let spaceJSON = try StoredRows.json(definition.space)
        return try await transaction { connection in
            // Two workers creating one study at once: the second waits here, then opens it.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("smarttuner.study." + definition.name), 0))",
                                       logger: self.logger)
            if let existing = try await self.loadStudy(named: definition.name, connection) {
                guard existing.ownedBySmartTuner else {
                    throw StudyStoreError.studyMismatch(name: definition.name, reason: "Optuna created it; SmartTuner reads it (status, trials, best, export) but runs only studies it created")
                }
                let stored = existing.study.definition
                guard stored.direction == definition.direction else {
                    throw StudyStoreError.studyMismatch(name: definition.name, reason: "direction \(stored.direction.rawValue), not \(definition.direction.rawValue)")
                }
                guard stored.space == definition.space else {
                    throw StudyStoreError.studyMismatch(name: definition.name, reason: "its search space differs")
                }
                let id = existing.study.id
                if let configuration = definition.configurationJSON, configuration != stored.configurationJSON {
                    try await connection.query("UPDATE smarttuner_studies SET configuration_json = \(configuration) WHERE study_id = \(id)", logger: self.logger)
                }
                if definition.targetTrials > stored.targetTrials {
                    try await connection.query("UPDATE smarttuner_studies SET target_trials = \(definition.targetTrials) WHERE study_id = \(id)", logger: self.logger)
                    try await self.addSlots(study: id, through: definition.targetTrials, connection)
                }
                return try await self.loadStudy(named: definition.name, connection)?.study ?? existing.study
            }
            let id = try await connection.all("INSERT INTO studies (study_name) VALUES (\(definition.name)) RETURNING study_id",
                                              logger: self.logger) { try $0.decode(Int64.self) }[0]
            try await connection.query("""
                INSERT INTO study_directions (direction, study_id, objective) VALUES (\(definition.direction.optunaName)::studydirection, \(id), 0)
                """, logger: self.logger)
            try await connection.query("""
                INSERT INTO smarttuner_studies (study_id, space_json, seed, target_trials, configuration_json)
                VALUES (\(id), \(spaceJSON), \(Int64(bitPattern: definition.seed)), \(definition.targetTrials), \(definition.configurationJSON))
                """, logger: self.logger)
            try await self.addSlots(study: id, through: definition.targetTrials, connection)
            return StoredStudy(id: id, definition: definition)
        }
    }

    /// The study named `name`; ``StudyStoreError/noSuchStudy(name:available:)`` if there is none.
    public func study(named name: String) async throws -> StoredStudy {
        try await read { connection in
            if let study = try await self.loadStudy(named: name, connection) { return study.study }
            let names = try await connection.all("SELECT study_name::text FROM studies ORDER BY study_id", logger: self.logger) { try $0.decode(String.self) }
            throw StudyStoreError.noSuchStudy(name: name, available: names)
        }
    }

    /// Trial numbers up to `target` for workers to claim.
    func addSlots(study id: Int64, through target: Int, _ connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO smarttuner_slots (study_id, number) SELECT \(id), n FROM generate_series(0, \(target - 1)) AS n
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// A study and whether SmartTuner created it. A study Optuna created has no SmartTuner
    /// definition: its search space is read from its trials' distributions (the first seen for
    /// each name), its target is its trial count.
    func loadStudy(named name: String, _ connection: PostgresConnection) async throws -> (study: StoredStudy, ownedBySmartTuner: Bool)? {
        let rows = try await connection.all("""
            SELECT s.study_id, d.direction::text, m.space_json, m.seed, m.target_trials, m.configuration_json
            FROM studies s JOIN study_directions d ON d.study_id = s.study_id AND d.objective = 0
            LEFT JOIN \(unescaped: studiesTable) m ON m.study_id = s.study_id WHERE s.study_name = \(name)
            """, logger: logger) { try $0.decode((Int64, String, String?, Int64?, Int?, String?).self) }
        guard let row = rows.first else { return nil }
        let direction: StudyDirection = row.1 == "MAXIMIZE" ? .maximize : .minimize
        if let spaceJSON = row.2 {
            guard let space = try? JSONDecoder().decode(SearchSpace.self, from: Data(spaceJSON.utf8)) else {
                throw StudyStoreError.unreadable("study '\(name)' has a search space this version cannot read: \(spaceJSON.prefix(80))")
            }
            let definition = StudyDefinition(name: name, direction: direction, space: space, seed: UInt64(bitPattern: row.3 ?? 0),
                                             targetTrials: row.4 ?? 0, configurationJSON: row.5)
            return (StoredStudy(id: row.0, definition: definition), true)
        }
        let distributions = try await connection.all("""
            SELECT DISTINCT ON (p.param_name) p.param_name::text, p.distribution_json FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id
            WHERE t.study_id = \(row.0) ORDER BY p.param_name, p.param_id
            """, logger: logger) { try $0.decode((String, String?).self) }
        var parameters: [SearchSpace.Parameter] = []
        for (parameter, json) in distributions {
            guard let distribution = json.flatMap(OptunaDistribution.distribution(json:)) else {
                throw StudyStoreError.unreadable("study '\(name)' (made by Optuna) has parameter '\(parameter)' with a distribution this version cannot read: \((json ?? "none").prefix(80))")
            }
            parameters.append(.init(parameter, distribution))
        }
        let trials = try await connection.all("SELECT count(*) FROM trials WHERE study_id = \(row.0)", logger: logger) { try $0.decode(Int.self) }.first ?? 0
        let space: SearchSpace
        do { space = try SearchSpace(parameters) } catch {
            throw StudyStoreError.unreadable("study '\(name)' (made by Optuna) has a search space SmartTuner cannot hold: \(error)")
        }
        return (StoredStudy(id: row.0, definition: StudyDefinition(name: name, direction: direction, space: space, targetTrials: trials)), false)
    }
}
