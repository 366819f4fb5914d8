import Dashboard
import Foundation
import Hummingbird
import HummingbirdTesting
import SmartTuner
import TestScratch
import Testing

@Suite("Dashboard live updates: a running trial's changes reach its event stream; a finished one ends it", .scratch)
struct DashboardLiveTests {
    @Test("the event stream of a running trial sends its steps as they are written and ends when it finishes", .timeLimit(.minutes(2)))
    func trialStream() async throws {
        let fixture = try await DashboardFixture.make()
        let trial = try await fixture.store.trial(3, of: fixture.study)
        try await fixture.application().test(.router) { client in
            async let streamed = client.execute(uri: "/studies/tts/trials/3/live", method: .get)
            try await fixture.store.report(trial, in: fixture.study, generation: 0, values: [(20, 2.4)], lastStep: 25)
            try await fixture.store.finish(trial, in: fixture.study, generation: 0, state: .complete, value: 2.4,
                                           outcome: .supervised(.completed(.budget)), summaryJSON: nil)
            let response = try await streamed
            #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
            let events = String(buffer: response.body).components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
            struct Snapshot: Decodable { let fields: [String: String]; let live: Bool }
            let snapshots = try events.map { try JSONDecoder().decode(Snapshot.self, from: Data($0.dropFirst(6).utf8)) }
            let steps = snapshots.compactMap { $0.fields["trial-step"].flatMap(Int.init) }
            #expect(steps == steps.sorted() && Set(steps).isSubset(of: [15, 25]), "\(steps)")
            #expect(snapshots.last?.live == false && snapshots.last?.fields["trial-state"] == "complete", "\(events)")
            #expect(snapshots.dropLast().allSatisfy { $0.live })
        }
    }

    @Test("a page is rendered at most once per poll interval, however many ask; after it, the next request shows the change")
    func renderedOncePerInterval() async throws {
        let fixture = try await DashboardFixture.make()
        let clock = ManualClock()
        try await fixture.application(DashboardSettings(pollInterval: .seconds(1)), clock: clock).test(.router) { client in
            try await client.execute(uri: "/studies/tts", method: .get) { response in
                #expect(String(buffer: response.body).contains("id=\"t3-state\">running</span>"))
            }
            let running = try await fixture.store.trial(3, of: fixture.study)
            try await fixture.store.finish(running, in: fixture.study, generation: 0, state: .pruned, value: 2.5,
                                           outcome: .supervised(.pruned), summaryJSON: nil)
            try await client.execute(uri: "/studies/tts", method: .get) { response in
                #expect(String(buffer: response.body).contains("id=\"t3-state\">running</span>"), "within the interval: the page as rendered")
            }
            try await client.execute(uri: "/studies/tts?state=pruned", method: .get) { response in
                #expect(String(buffer: response.body).contains("id=\"t3-state\">pruned</span>"), "another address is rendered for itself")
            }
            clock.advance(by: .seconds(1))
            try await client.execute(uri: "/studies/tts", method: .get) { response in
                #expect(String(buffer: response.body).contains("id=\"t3-state\">pruned</span>"), "after it: rendered again")
            }
        }
    }

    @Test("the live snapshot of a study lists each trial's step and state; a finished study's pages are static")
    func studySnapshot() async throws {
        let fixture = try await DashboardFixture.make()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/live.json", method: .get) { response in
                #expect(String(buffer: response.body).contains("\"study-tts-state\":\"running\""))
            }
            let running = try await fixture.store.trial(3, of: fixture.study)
            try await fixture.store.finish(running, in: fixture.study, generation: 0, state: .pruned, value: 2.5,
                                           outcome: .supervised(.pruned), summaryJSON: nil)
            try await client.execute(uri: "/studies/tts/live.json", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("\"t3-state\":\"pruned\"") && text.contains("\"live\":false"))
            }
            try await client.execute(uri: "/studies/tts", method: .get) { response in
                #expect(!String(buffer: response.body).contains("data-live"), "no script on a study that is not running")
            }
        }
    }
}
