import Foundation
import Optimization
import PostgresStudyStore
import StudyStore
import TestPostgres
import TestScratch
import Testing

/// A PostgreSQL store whose server goes away: each call fails as unavailable within its
/// deadline (never waits in the pool), and the first call after the server is back succeeds,
/// however long it was gone. Each test has a private server it stops or freezes.
@Suite("PostgreSQL store: a server that goes away", .scratch)
struct PostgresOutageTests {
    /// Short deadlines, so that the tests need not wait long for a call to give up.
    static let deadlines = PostgresCallDeadlines(lease: .seconds(1), call: .seconds(5))

    @Test("an outage longer than the pool's 60 s circuit breaker: every call fails as unavailable at once; the first after the restart succeeds")
    func outagePastTheCircuitBreaker() async throws {
        let server = try await PrivatePostgres.start(in: try Scratch.folder("pg"))
        do {
            let store = try await PostgresStudyStore(server: try PostgresLocation(url: server.url), environment: ["PGPASSWORD": "smarttuner"],
                                                     deadlines: Self.deadlines)
            let study = try await store.createOrOpen(StudyDefinition(name: "s", space: try SearchSpace([.init("x", .float(low: 0, high: 1))]),
                                                                    targetTrials: 3))
            try await server.stop(immediately: true)
            // postgres-nio's pool trips its breaker after 60 s of failed connecting and then backs
            // off for up to a minute between attempts; this outage outlasts that.
            let outage = ContinuousClock.now
            var failures = 0
            while ContinuousClock.now - outage < .seconds(65) {
                let error = await #expect(throws: StudyStoreError.self) { try await store.studyNames() }
                #expect(error?.isUnavailable == true, "\(String(describing: error))")
                failures += 1
                try await Task.sleep(for: .milliseconds(500))
            }
            try await server.start()
            #expect(try await store.studyNames() == ["s"], "the first call after the restart connects afresh")
            #expect(try await store.trials(of: study).isEmpty)
            #expect(failures >= 10, "every call gave up within its deadline (\(failures) calls in 65 s)")
            let sessions = Int(try await server.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name <> 'psql' AND backend_type = 'client backend'")) ?? -1
            #expect((1...4).contains(sessions), "the replaced pools left no connections behind (\(sessions))")
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test("a server that stops answering (frozen, connections open): the call gives up at its deadline; it works again once the server does")
    func serverThatStopsAnswering() async throws {
        let server = try await PrivatePostgres.start(in: try Scratch.folder("pg"))
        do {
            let store = try await PostgresStudyStore(server: try PostgresLocation(url: server.url), environment: ["PGPASSWORD": "smarttuner"],
                                                     deadlines: Self.deadlines)
            _ = try await store.createOrOpen(StudyDefinition(name: "s", space: try SearchSpace([.init("x", .float(low: 0, high: 1))]),
                                                            targetTrials: 3))
            try await server.pause()
            let error = await #expect(throws: StudyStoreError.self) { try await store.studyNames() }
            guard case .unavailable(_, let reason)? = error else {
                Issue.record("expected unavailable, got \(String(describing: error))")
                try await server.resume()
                return
            }
            #expect(reason.contains("no answer within") || reason.contains("no connection within"), "\(reason)")
            try await server.resume()
            #expect(try await store.studyNames() == ["s"])
        } catch {
            try? await server.resume()
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}
