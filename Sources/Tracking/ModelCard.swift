import Foundation
import StudyStore

extension RegisteredModel {
    /// The model's card in Markdown, uploaded beside its trial's run: where it came from,
    /// what it measured, what it was trained with, and its stages.
    public var card: String {
        func table(_ values: [String: Double]) -> String {
            values.sorted { $0.key < $1.key }.map { "| \($0.key) | \($0.value) |" }.joined(separator: "\n")
        }
        return """
            # \(name) v\(version)

            Stage: **\(stage.rawValue)** · registered \(createdAt) from study `\(study)`, trial \(trial).

            Checkpoint: `\((checkpoint as NSString).lastPathComponent)` (SHA-256 `\(sha256)`)

            ## Metrics

            | metric | value |
            |---|---|
            \(table(metrics))

            ## Hyperparameters

            | name | value |
            |---|---|
            \(table(parameters))

            ## Stages

            \(history.map { "- \($0.at): \($0.stage.rawValue)\($0.note.isEmpty ? "" : " (\($0.note))")" }.joined(separator: "\n"))

            """
    }
}
