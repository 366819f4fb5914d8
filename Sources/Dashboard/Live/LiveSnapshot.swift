import Foundation
import SmartTuner

/// What a live page needs to stay current, as the JSON its script reads: the text of the
/// elements that change in place (`fields`, by element id: a running trial's step, state,
/// value), and a `shape` that changes when the page's layout would (a new trial, a state, a new
/// validation or checkpoint): then the script fetches the page again and swaps it in.
struct LiveSnapshot: Sendable, Equatable, Encodable {
    var fields: [String: String]
    var shape: String
    /// Whether the page is still live (its study or trial running); the stream ends after the last snapshot that says no.
    var live: Bool

    /// The studies page.
    static func studies(_ summaries: [StudySummary]) -> LiveSnapshot {
        var fields: [String: String] = [:]
        for summary in summaries { fields["study-\(summary.report.study)-state"] = summary.state }
        let shape = summaries.map { "\($0.report.study):\($0.state):\($0.report.finished):\($0.report.states["running"] ?? 0):\($0.restarts)" }
        return LiveSnapshot(fields: fields, shape: shape.joined(separator: ","), live: summaries.contains { $0.state == "running" })
    }

    /// A study's page.
    static func study(_ trials: [StoredTrial]) -> LiveSnapshot {
        var fields: [String: String] = [:]
        var shape: [String] = []
        for row in trials.map(TrialRow.init) {
            fields["t\(row.number)-state"] = row.state
            fields["t\(row.number)-step"] = "\(row.step)"
            fields["t\(row.number)-generation"] = "\(row.generation)"
            fields["t\(row.number)-value"] = HTML.number(row.value ?? row.objective)
            shape.append("\(row.number):\(row.state):\(row.generation)")
        }
        // A new validation changes the plots: count them into the shape.
        shape.append("v\(trials.map(\.intermediate.count).reduce(0, +))")
        return LiveSnapshot(fields: fields, shape: shape.joined(separator: ","), live: trials.contains { $0.state == .running })
    }

    /// A trial's page.
    static func trial(_ trial: StoredTrial) -> LiveSnapshot {
        let row = TrialRow(trial)
        return LiveSnapshot(
            fields: ["trial-state": row.state, "trial-step": "\(row.step)", "trial-generation": "\(row.generation)",
                     "trial-value": HTML.number(row.value ?? row.objective)],
            shape: "\(row.state):\(row.generation):\(trial.intermediate.count)", live: trial.state == .running)
    }

    /// As JSON text (keys sorted, so equal snapshots are equal text).
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
