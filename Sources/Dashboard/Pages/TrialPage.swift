import Foundation
import SmartTuner

/// A trial: every figure over steps (one line per generation, restarts marked), the attention
/// heatmap of each checkpoint, the record's events, the restarts with their parameter changes,
/// the checkpoints with their digests, and its registry entry.
enum TrialPage {
    /// What the page shows, read from the store.
    struct Contents: Sendable {
        let study: StoredStudy
        let trial: StoredTrial
        let events: [StoredEvent]
        let checkpoints: [Checkpoint]
        let restarts: [StoredRestart]
        let metrics: [StoredMetric]
        let models: [RegisteredModel]
    }

    static func render(_ contents: Contents) -> String {
        let trial = contents.trial, name = contents.study.definition.name
        let path = "/studies/\(HTML.pathComponent(name))/trials/\(trial.number)"
        let row = TrialRow(trial)
        var body = "<p class=\"summary\"><span class=\"state \(row.state)\" id=\"trial-state\">\(row.state)</span>"
        body += " · step <span id=\"trial-step\">\(row.step)</span> · generation <span id=\"trial-generation\">\(row.generation)</span>"
        body += " · value <span id=\"trial-value\">\(HTML.number(row.value ?? row.objective))</span>"
        body += " · \(row.restarts) restarts · \(row.interruptions) take-overs"
        if let outcome = row.outcome { body += " · \(HTML.escape(outcome.words))" }
        body += "</p><p class=\"parameters\">" + row.parameters.sorted { $0.key < $1.key }
            .map { "\(HTML.escape($0.key)) = <code>\(HTML.escape($0.value.description))</code>" }.joined(separator: " · ") + "</p>"
        body += "<h2>Figures over steps</h2><div id=\"plots\">" + TrialCharts.figures(contents.metrics, restarts: contents.restarts)
            .map { PageLayout.figure($0) }.joined() + "</div>"
        body += "<h2>Attention at each checkpoint</h2>" + heatmaps(contents.checkpoints, path: path)
        body += "<h2>Restarts</h2>" + restartsTable(contents.restarts)
        body += "<h2>Record</h2>" + PageLayout.table(["at", "generation", "event", "detail"], contents.events.map {
            [HTML.escape($0.at), "\($0.generation)", HTML.escape($0.kind), HTML.escape($0.detail)]
        }, id: "events")
        body += "<h2>Checkpoints</h2>" + PageLayout.table(["generation", "step", "file", "SHA-256", "evaluation", "aligned", "host"],
                                                          contents.checkpoints.map {
            ["\($0.generation)", "\($0.step)", "<code>\(HTML.escape($0.path))</code>", "<code>\(HTML.escape(String($0.sha256.prefix(16))))…</code>",
             HTML.number($0.evaluation), $0.aligned == true ? "yes" : "no", HTML.escape($0.host ?? "—")]
        }, id: "checkpoints")
        body += "<h2>Registry</h2>" + (contents.models.isEmpty ? "<p>Not registered.</p>" : PageLayout.table(
            ["model", "version", "stage", "checkpoint", "created"], contents.models.map {
                [HTML.escape($0.name), "\($0.version)", HTML.escape($0.stage.rawValue), "<code>\(HTML.escape($0.checkpoint))</code>", HTML.escape($0.createdAt)]
            }, id: "registry"))
        return PageLayout.page(title: "\(name) · trial \(trial.number)",
                               crumbs: [.init(title: "studies", href: "/"), .init(title: name, href: "/studies/\(HTML.pathComponent(name))"),
                                        .init(title: "trial \(trial.number)", href: nil)],
                               live: trial.state == .running ? "\(path)/live" : nil, body: body)
    }

    private static func heatmaps(_ checkpoints: [Checkpoint], path: String) -> String {
        let shown = checkpoints.enumerated().filter { $0.element.heatmap != nil }
        guard !shown.isEmpty else { return "<p>No heatmap was written with this trial's checkpoints.</p>" }
        return "<div class=\"heatmaps\">" + shown.map { index, checkpoint in
            "<figure><img src=\"\(path)/heatmaps/\(index)\" alt=\"attention at step \(checkpoint.step), generation \(checkpoint.generation)\" "
                + "loading=\"lazy\"><figcaption>step \(checkpoint.step) · g\(checkpoint.generation)</figcaption></figure>"
        }.joined() + "</div>"
    }

    private static func restartsTable(_ restarts: [StoredRestart]) -> String {
        guard !restarts.isEmpty else { return "<p>None.</p>" }
        return PageLayout.table(["generation", "cause", "kind", "changes", "resumed from", "evidence"], restarts.map {
            ["\($0.generation)", HTML.escape($0.cause.words), $0.kind.rawValue,
             HTML.escape($0.changes.map(\.description).joined(separator: ", ")),
             HTML.escape($0.checkpoint.map { ($0 as NSString).lastPathComponent } ?? "scratch"), HTML.escape($0.evidence)]
        }, id: "restarts")
    }
}

/// The trial page's plots: one per figure, one line per generation, restarts as marks.
enum TrialCharts {
    /// A chart per figure name (losses first, then alignment, then the rest, by name).
    static func figures(_ metrics: [StoredMetric], restarts: [StoredRestart]) -> [Chart] {
        var byName: [String: [Int: [Chart.Point]]] = [:]
        for metric in metrics {
            byName[metric.point.name, default: [:]][metric.generation, default: []].append(.init(x: Double(metric.point.step), y: metric.point.value))
        }
        // A generation's first step is where it resumed: the restart's mark.
        var marks: [Chart.Mark] = []
        for restart in restarts {
            let first = metrics.filter { $0.generation == restart.generation }.map(\.point.step).min()
            if let first { marks.append(.init(x: Double(first), label: "g\(restart.generation): \(restart.cause.words)")) }
        }
        func rank(_ name: String) -> Int { name.hasPrefix("train/") ? 0 : name.hasPrefix("validation/") ? 1 : name.hasPrefix("alignment/") ? 2 : 3 }
        return byName.keys.sorted { (rank($0), $0) < (rank($1), $1) }.map { name in
            let series = (byName[name] ?? [:]).sorted { $0.key < $1.key }.map { Chart.Series(name: "generation \($0.key)", points: $0.value) }
            return Chart(title: name, xLabel: "step", yLabel: name, series: series, marks: marks)
        }
    }
}
