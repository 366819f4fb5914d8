/// The frame of every dashboard page: plain HTML that reads with JavaScript off, the shared
/// style sheet (light and dark follow the browser), and — on pages of a running study only —
/// the small script that keeps them current.
enum PageLayout {
    /// A link in the trail at the top of a page.
    struct Crumb: Sendable {
        var title: String
        var href: String?
    }

    /// A whole page. `live` is the URL of the page's event stream when it should update itself.
    static func page(title: String, crumbs: [Crumb], live: String? = nil, body: String) -> String {
        let trail = crumbs.map { crumb in
            crumb.href.map { "<a href=\"\(HTML.escape($0))\">\(HTML.escape(crumb.title))</a>" } ?? "<span>\(HTML.escape(crumb.title))</span>"
        }.joined(separator: " <span class=\"sep\">/</span> ")
        let script = live == nil ? "" : "<script src=\"/assets/live.js\" defer></script>"
        let liveAttribute = live.map { " data-live=\"\(HTML.escape($0))\"" } ?? ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>\(HTML.escape(title)) · SmartTuner</title>
            <link rel="stylesheet" href="/assets/dashboard.css">
            <link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
            \(script)
            </head>
            <body\(liveAttribute)>
            <header><nav>\(trail)</nav>\(live == nil ? "" : "<span id=\"live-status\" class=\"live\">live</span>")</header>
            <main>
            <h1>\(HTML.escape(title))</h1>
            \(body)
            </main>
            </body>
            </html>
            """
    }

    /// A table with a header row; cells are HTML already escaped by the caller.
    static func table(_ headers: [String], _ rows: [[String]], id: String? = nil, rowIDs: [String]? = nil) -> String {
        var html = "<table\(id.map { " id=\"\($0)\"" } ?? "")><thead><tr>"
        html += headers.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>"
        for (index, row) in rows.enumerated() {
            let rowID = rowIDs.map { " id=\"\(HTML.escape($0[index]))\"" } ?? ""
            html += "<tr\(rowID)>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// A plot with its numbers beneath, in a table folded away (readable without the picture).
    static func figure(_ chart: Chart, caption: String? = nil) -> String {
        var rows: [[String]] = []
        for series in chart.series {
            for point in series.points { rows.append([HTML.escape(series.name), HTML.number(point.x), HTML.number(point.y)]) }
        }
        // Very long series (thousands of steps) keep only the picture.
        let headers = ["series", chart.xLabel, chart.yLabel].map(HTML.escape)
        let data = rows.count > 2_000 ? "" : "<details><summary>numbers</summary>\(table(headers, rows))</details>"
        guard !chart.isEmpty else { return "<figure><h3>\(HTML.escape(chart.title))</h3><p class=\"muted\">Nothing to plot yet.</p></figure>" }
        return "<figure><h3>\(HTML.escape(chart.title))</h3>\(chart.svg())\(caption.map { "<figcaption>\(HTML.escape($0))</figcaption>" } ?? "")\(data)</figure>"
    }
}
