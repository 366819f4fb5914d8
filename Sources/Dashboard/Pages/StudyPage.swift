import Foundation
import SmartTuner

/// A study: its trials (sortable, filterable), the optimisation history, every trial's
/// intermediate values, each parameter against the value, and the restarts over time.
enum StudyPage {
    /// What the page shows, read from the store.
    struct Contents: Sendable {
        let study: StoredStudy
        let summary: StudySummary
        let trials: [StoredTrial]
        /// Restarts of the trials that had any, with when each generation began.
        let restarts: [RestartEntry]
    }

    /// One restart on the timeline.
    struct RestartEntry: Sendable {
        let trial: Int
        let restart: StoredRestart
        /// When its generation began (the first event of that generation), if recorded.
        let at: Date?
    }

    static func render(_ contents: Contents, table: TrialTable) -> String {
        let name = contents.study.definition.name
        let path = "/studies/\(HTML.pathComponent(name))"
        var body = summaryLine(contents.summary)
        body += "<h2>Trials</h2>" + filters(table, path: path) + trialsTable(contents.trials.map(TrialRow.init), table: table, path: path)
        body += "<h2>Search</h2>" + PageLayout.figure(StudyCharts.history(contents.trials, direction: contents.study.definition.direction))
        body += PageLayout.figure(StudyCharts.intermediate(contents.trials),
                                                                  caption: "one line per trial; pruned trials end in a hollow dot")
        body += "<h2>Parameters against the value</h2>"
        for parameter in contents.study.definition.space.parameters {
            body += PageLayout.figure(StudyCharts.parameter(parameter, contents.trials))
        }
        body += "<h2>Restarts</h2>" + restartsSection(contents.restarts, path: path)
        return PageLayout.page(title: name, crumbs: [.init(title: "studies", href: "/"), .init(title: name, href: nil)],
                               live: contents.summary.state == "running" ? "\(path)/live" : nil, body: body)
    }

    private static func summaryLine(_ summary: StudySummary) -> String {
        let report = summary.report, states = report.states
        var line = "<p class=\"summary\"><span class=\"state \(summary.state)\">\(summary.state)</span> · \(report.finished) of \(report.target) trials done"
        line += " · \(states["running"] ?? 0) running · \(states["complete"] ?? 0) complete · \(states["pruned"] ?? 0) pruned · \(states["failed"] ?? 0) failed"
        line += " · \(summary.restarts) restarts · \(report.takeOvers) take-overs · \(report.direction)"
        if let best = report.best { line += " · best \(HTML.number(best.value)) (trial \(best.number))" }
        return line + "</p>"
    }

    private static func filters(_ table: TrialTable, path: String) -> String {
        let links = TrialTable.states.map { state in
            state == table.state ? "<strong>\(state)</strong>" : "<a href=\"\(path)\(table.query(state: state))\">\(state)</a>"
        }
        return "<p class=\"filters\">show: \(links.joined(separator: " · "))</p>"
    }

    private static func trialsTable(_ rows: [TrialRow], table: TrialTable, path: String) -> String {
        let headers = TrialTable.Column.allCases.map { column -> String in
            let title = column == .focusRate ? "best alignment (focus rate)" : column.rawValue
            let descending = column == table.sort ? !table.descending : false
            let arrow = column == table.sort ? (table.descending ? " ▾" : " ▴") : ""
            return "<a href=\"\(path)\(table.query(sort: column, descending: descending))\">\(HTML.escape(title))\(arrow)</a>"
        } + ["outcome", "parameters"]
        let shown = table.apply(to: rows)
        let cells = shown.map { row -> [String] in
            [
                "<a href=\"\(path)/trials/\(row.number)\">\(row.number)</a>",
                "<span class=\"state \(row.state)\" id=\"t\(row.number)-state\">\(row.state)</span>",
                "<span id=\"t\(row.number)-value\">\(HTML.number(row.value ?? row.objective))</span>",
                "<span id=\"t\(row.number)-step\">\(row.step)</span>",
                "<span id=\"t\(row.number)-generation\">\(row.generation)</span>",
                "\(row.restarts)",
                HTML.number(row.metrics["focus_rate"]),
                HTML.escape(row.outcome?.words ?? ""),
                HTML.escape(row.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.value.number.map(HumanNumber.text) ?? $0.value.description)" }
                    .joined(separator: " ")),
            ]
        }
        return PageLayout.table(headers, cells, id: "trials", rowIDs: shown.map { "t\($0.number)" })
            + (shown.isEmpty ? "<p>No trials \(table.state == "all" ? "yet" : "in this state").</p>" : "")
    }

    private static func restartsSection(_ entries: [RestartEntry], path: String) -> String {
        guard !entries.isEmpty else { return "<p>No trial has restarted.</p>" }
        var html = PageLayout.figure(StudyCharts.restartTimeline(entries), caption: "each dot a restart: when, which trial, why")
        let rows = entries.map { entry -> [String] in
            [
                "<a href=\"\(path)/trials/\(entry.trial)\">\(entry.trial)</a>", "\(entry.restart.generation)",
                entry.at.map { HTML.escape(ISO8601DateFormatter().string(from: $0)) } ?? "—",
                HTML.escape(entry.restart.cause.words), entry.restart.kind.rawValue,
                HTML.escape(entry.restart.changes.map(\.description).joined(separator: ", ")),
                HTML.escape(entry.restart.evidence),
            ]
        }
        html += PageLayout.table(["trial", "generation", "at", "cause", "kind", "changes", "evidence"], rows, id: "restarts")
        return html
    }
}
