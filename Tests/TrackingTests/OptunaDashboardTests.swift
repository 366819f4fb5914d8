import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestScratch

@testable import SmartTuner

/// optuna-dashboard's view of a study's trial (`/api/studies/<id>`), as far as the test reads it.
struct DashboardStudy: Decodable {
    struct Trial: Decodable {
        struct Attribute: Decodable { let key: String; let value: String }
        let number: Int
        let state: String
        let user_attrs: [Attribute]
        var attributes: [String: String] { Dictionary(user_attrs.map { ($0.key, $0.value) }) { $1 } }
    }
    let trials: [Trial]
}

@Suite("optuna-dashboard reads SmartTuner's judgement", .scratch, .timeLimit(.minutes(10)))
struct OptunaDashboardTests {
    @Test("optuna-dashboard 0.21 serves the study; each trial's user attributes carry its outcome, restarts and last alignment metrics")
    func dashboardAttributes() async throws {
        let directory = try Scratch.folder("tracking-optuna")
        let yaml = trackedStudy(directory: directory, tracking: "  training_interval: 10")
        let settings = try StudyConfigurationFile.parse(yaml, file: "drill.yaml")
        try await StudyRunner(settings: settings, pollInterval: .milliseconds(50)).run()
        let store = try await StoreLocation(settings.storage).open(readOnly: true)
        let study = try await store.study(named: "drill")
        let trials = try await store.trials(of: study)

        let server = try TestServer(directory: directory, healthPath: "/api/studies") { port in
            [(try trackingPython() as NSString).deletingLastPathComponent + "/optuna-dashboard", "sqlite:///\(settings.storage)",
             "--host", "127.0.0.1", "--port", "\(port)"]
        }
        try await server.start()
        let url = try #require(URL(string: "\(server.url)/api/studies/\(study.id)?after=0"))
        let (data, _) = try await URLSession.shared.data(from: url)
        await server.stop()
        let served = try JSONDecoder().decode(DashboardStudy.self, from: data)
        #expect(served.trials.map(\.number) == trials.map(\.number))
        for trial in trials {
            let attributes = try #require(served.trials.first { $0.number == trial.number }?.attributes)
            #expect(attributes["outcome"] == trial.outcome?.words)
            #expect(attributes["restarts"] == "1" && attributes["restart_causes"] == "[\"nonFinite\"]" && attributes["generations"] == "2")
            let focus = try #require(attributes["focus_rate"].flatMap(Double.init))
            #expect(focus == trial.quality["focus_rate"])
        }
    }
}
