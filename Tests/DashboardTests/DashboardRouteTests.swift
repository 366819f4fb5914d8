import Dashboard
import Foundation
import Hummingbird
import HummingbirdTesting
import SmartTuner
import TestScratch
import Testing

/// The numbers a plot's series carries (`data-values="x:y …"` of the `<g>` named `series`),
/// under the `<h3>` that names the chart.
func plotted(_ html: String, chart: String, series: String) -> [(x: Double, y: Double)]? {
    guard let start = html.range(of: "<h3>\(chart)</h3>") else { return nil }
    let rest = html[start.upperBound...]
    guard let group = rest.range(of: "data-series=\"\(series)\" data-values=\"") else { return nil }
    let values = rest[group.upperBound...].prefix { $0 != "\"" }
    return values.split(separator: " ").compactMap { pair in
        let parts = pair.split(separator: ":")
        guard parts.count == 2, let x = Double(parts[0]), let y = Double(parts[1]) else { return nil }
        return (x, y)
    }
}

@Suite("Dashboard routes: every page, its status and type, and the study file's numbers in its plots", .scratch)
struct DashboardRouteTests {
    @Test("the studies page lists each study with its state, counts, best value and restarts")
    func studiesPage() async throws {
        let fixture = try await DashboardFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.contains("<a href=\"/studies/tts\">tts</a>") && html.contains("id=\"study-tts-state\">running</span>"))
                #expect(html.contains("<td>3 / 5</td><td>1</td><td>1</td><td>1</td><td>1</td><td>1.2 (trial 0)</td><td>1</td>"), "\(html)")
                #expect(html.contains("data-live=\"/live\""), "a running study makes the page live")
            }
        }
    }

    @Test("the study page: trials table, history and intermediate plots carrying the stored values, parameters, restarts")
    func studyPage() async throws {
        let fixture = try await DashboardFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/studies/tts", method: .get) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                for number in 0..<4 { #expect(html.contains("<tr id=\"t\(number)\">")) }
                #expect(html.contains("id=\"t3-state\">running</span>") && html.contains("id=\"t3-step\">15</span>"))
                #expect(html.contains("completed (budget)") && html.contains("failed: crash"))
                let values = try #require(plotted(html, chart: "Optimisation history", series: "value"))
                #expect(values.map(\.x) == [0, 1] && values.map(\.y) == [1.2, 3.0], "complete and pruned trials' values, as stored")
                #expect(plotted(html, chart: "Optimisation history", series: "best so far")?.map(\.y) == [1.2, 1.2])
                #expect(plotted(html, chart: "Intermediate values", series: "trial 0")?.map(\.y) == [2.0, 1.5, 1.2])
                #expect(plotted(html, chart: "Intermediate values", series: "pruned")?.map(\.x) == [10], "the pruned trial's last value is marked")
                #expect(plotted(html, chart: "learning_rate", series: "learning_rate")?.map(\.x) == [0.001, 0.002])
                #expect(html.contains("<h3>cell (0: gru, 1: lstm)</h3>"))
                #expect(html.contains("<td>non-finite values</td><td>hot</td><td>learning_rate 0.001 → 0.0005</td>"), "\(html)")
                #expect(html.contains("data-live=\"/studies/tts/live\""))
            }
            try await client.execute(uri: "/studies/tts?state=pruned", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("<tr id=\"t1\">") && !html.contains("<tr id=\"t0\">") && !html.contains("<tr id=\"t3\">"))
            }
            try await client.execute(uri: "/studies/tts?sort=value&order=desc", method: .get) { response in
                let html = String(buffer: response.body)
                let positions = [1, 3, 0, 2].compactMap { html.range(of: "<tr id=\"t\($0)\">")?.lowerBound }
                #expect(positions.count == 4 && positions == positions.sorted(), "values 3.0, 2.5 (running), 1.2, then none")
            }
        }
    }

    @Test("the trial page: figures by generation with the restart marked, heatmap, record escaped, checkpoints, registry")
    func trialPage() async throws {
        let fixture = try await DashboardFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/studies/tts/trials/0", method: .get) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(plotted(html, chart: "train/total", series: "generation 0")?.map(\.y) == [4.0, 3.0])
                #expect(plotted(html, chart: "train/total", series: "generation 1")?.map { [$0.x, $0.y] } == [[30, 2.5]])
                #expect(html.contains("<line class=\"mark\"") && html.contains("g1: non-finite values"), "the restart is marked")
                #expect(html.contains("<img src=\"/studies/tts/trials/0/heatmaps/0\""))
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; from scratch") && !html.contains("<script>alert"))
                #expect(html.contains(String(repeating: "ab", count: 8)) && html.contains("checkpoint-20.safetensors"))
                #expect(html.contains("<td>voice</td><td>1</td>"), "its registry entry")
                #expect(!html.contains("data-live"), "a finished trial's page is static")
            }
            try await client.execute(uri: "/studies/tts/trials/0/heatmaps/0", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "image/png")
                #expect(Data(buffer: response.body) == fixture.heatmap)
            }
            try await client.execute(uri: "/studies/tts/trials/3", method: .get) { response in
                #expect(String(buffer: response.body).contains("data-live=\"/studies/tts/trials/3/live\""))
            }
        }
    }

    @Test("bad addresses and parameters are 404 and 400 pages that say what exists or is valid", arguments: [
        ("/nowhere", 404, "There is no page at /nowhere"),
        ("/studies/other", 404, "There is no study &#39;other&#39; here; the studies are: tts."),
        ("/studies/tts/trials/9", 404, "has no trial 9; its trials are 0–3"),
        ("/studies/tts/trials/x", 400, "a trial number is a whole number from 0, not &#39;x&#39;"),
        ("/studies/tts/trials/-1", 400, "not &#39;-1&#39;"),
        ("/studies/tts?sort=height", 400, "sort must be one of number, state, value, step, generation, restarts, focus_rate"),
        ("/studies/tts?state=done", 400, "state must be one of all, running, complete, pruned, failed"),
        ("/studies/tts?order=up", 400, "order must be asc or desc"),
        ("/studies/tts/trials/0/heatmaps/5", 404, "has no checkpoint 5"),
        ("/studies/tts/trials/1/heatmaps/x", 404, "has no checkpoint x"),
    ])
    func badRequests(uri: String, status: Int, message: String) async throws {
        let fixture = try await DashboardFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status.code == status)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: response.body).contains(message), "\(String(buffer: response.body))")
                #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
            }
        }
    }

    @Test("assets, metrics and the live snapshot have their types; every response has the security headers")
    func assetsAndMetrics() async throws {
        let fixture = try await DashboardFixture.make()
        try await fixture.application().test(.router) { client in
            for (uri, type) in [("/assets/dashboard.css", "text/css; charset=utf-8"), ("/assets/live.js", "text/javascript; charset=utf-8"),
                                ("/studies/tts/live.json", "application/json"), ("/metrics", "text/plain; version=0.0.4; charset=utf-8")] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok && response.headers[.contentType] == type, "\(uri)")
                    #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("smarttuner_trials{state=\"complete\",study=\"tts\"} 1.0"))
                #expect(text.contains("smarttuner_trials{state=\"running\",study=\"tts\"} 1.0"))
                #expect(text.contains("smarttuner_restarts{cause=\"nonFinite\",study=\"tts\"} 1.0"))
                #expect(text.contains("smarttuner_trial_steps_per_second{study=\"tts\",trial=\"3\"} 2.0"), "5 steps in 2.5 s: \(text)")
                #expect(!text.contains("trial=\"0\""), "only running trials have a speed")
            }
            try await client.execute(uri: "/studies/tts/live.json", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("\"t3-step\":\"15\"") && text.contains("\"live\":true"))
            }
        }
    }
}
