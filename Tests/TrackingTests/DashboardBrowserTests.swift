import Foundation
import Testing
import TestScratch

/// What `dashboard_browser.py` saw.
struct BrowserView: Decodable {
    let trial: Int
    let step_before: Int
    let step_after: Int
    let same_page: Bool
    let live_status: String
    let restarted_trial: Int
    let heatmaps: Int
    let restarts: [String]
    let studies_title: String
    let console: [String]
}

@Suite("The dashboard in a real browser", .scratch, .timeLimit(.minutes(30)))
struct DashboardBrowserTests {
    @Test("""
        headless Chromium watches a study of the built-in model: a running trial's step advances on screen without a \
        reload; a restarted trial's page shows its heatmap and its restart; no errors in the console; screenshots saved
        """)
    func liveStudyInChromium() throws {
        let folder = try Scratch.folder("dashboard-browser")
        // SMART_TUNER_SCREENSHOTS=docs/images keeps the pictures docs/dashboard.md shows.
        let screenshots = ProcessInfo.processInfo.environment["SMART_TUNER_SCREENSHOTS"] ?? folder
        let output = try runPython(try trackingPython(), [trackingScript("dashboard_browser.py"), "--smart-tuner", smartTunerExecutable,
                                                          "--folder", folder, "--port", "\(try freeLoopbackPort())", "--screenshots", screenshots])
        let view = try JSONDecoder().decode(BrowserView.self, from: output)
        #expect(view.step_after > view.step_before, "the step on screen advanced: \(view.step_before) → \(view.step_after)")
        #expect(view.same_page, "the page was updated in place, not reloaded")
        #expect(view.live_status.hasPrefix("live"))
        #expect(view.heatmaps >= 1, "the restarted trial's checkpoints show their heatmaps")
        #expect(view.restarts.contains { $0.contains("non-finite values") }, "its restart is listed: \(view.restarts)")
        #expect(view.studies_title == "Studies · SmartTuner")
        #expect(view.console.isEmpty, "the browser reported no error (a Content-Security-Policy violation would show here): \(view.console)")
        for page in ["studies", "study", "trial"] {
            #expect(FileManager.default.fileExists(atPath: "\(screenshots)/dashboard-\(page).png"))
        }
    }
}
