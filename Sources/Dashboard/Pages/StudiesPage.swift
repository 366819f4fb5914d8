import SmartTuner

/// The first page: every study in the store, with its state, trials by state, best value and restarts.
enum StudiesPage {
    static func render(_ studies: [StudySummary], storage: String, live: Bool) -> String {
        let rows = studies.map { summary -> [String] in
            let report = summary.report, states = report.states
            return [
                "<a href=\"/studies/\(HTML.pathComponent(report.study))\">\(HTML.escape(report.study))</a>",
                "<span class=\"state \(summary.state)\" id=\"study-\(HTML.escape(report.study))-state\">\(summary.state)</span>",
                "\(report.finished) / \(report.target)",
                "\(states["running"] ?? 0)", "\(states["complete"] ?? 0)", "\(states["pruned"] ?? 0)", "\(states["failed"] ?? 0)",
                report.best.map { "\(HTML.number($0.value)) (trial \($0.number))" } ?? "—",
                "\(summary.restarts)", "\(report.takeOvers)",
            ]
        }
        let body = studies.isEmpty
            ? "<p>No studies in \(HTML.escape(storage)) yet.</p>"
            : "<p class=\"muted\">\(HTML.escape(storage))</p>" + PageLayout.table(
                ["study", "state", "done", "running", "complete", "pruned", "failed", "best value", "restarts", "take-overs"], rows, id: "studies")
        return PageLayout.page(title: "Studies", crumbs: [.init(title: "studies", href: nil)], live: live ? "/live" : nil, body: body)
    }
}
