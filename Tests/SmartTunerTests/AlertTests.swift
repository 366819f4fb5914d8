import Foundation
import Testing
import TestScratch

@testable import SmartTuner

@Suite("Alerts", .scratch)
struct AlertTests {
    let token = "123456:SECRET-bot-token-abcdef"

    func telegram(_ server: FakeTelegramServer, timeout: Duration = .seconds(5)) throws -> TelegramSink {
        try TelegramSink(chatID: "42", environment: ["TELEGRAM_BOT_TOKEN": token], apiBase: server.base, timeout: timeout)
    }

    /// Runs the actor until `done` holds (or 20 s pass), then stops it.
    func deliver(_ actor: AlertActor, until done: @escaping @Sendable () -> Bool) async throws {
        let running = Task { await actor.run() }
        for _ in 0..<2_000 where !done() { try await Task.sleep(for: .milliseconds(10)) }
        running.cancel()
        await running.value
    }

    @Test("Telegram: long text is split at 4 096 characters, the heatmap goes as a photo, the token is never logged")
    func telegramDelivery() async throws {
        let server = try FakeTelegramServer(.ok)
        let logs = CollectedLogs()
        let png = Scratch.path("a", suffix: ".png")
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: URL(fileURLWithPath: png))
        let actor = AlertActor(sinks: [try telegram(server)], secrets: [token], logger: logs.logger)
        actor.post(Alert(.firstAlignment, trialID: "t1", title: "Trial t1 aligned", message: String(repeating: "x", count: 5_000),
                         imagePath: png))
        try await deliver(actor) { actor.statistics["telegram"]?.delivered == 1 }
        let requests = server.requests
        // The title line, then the 5 000 characters as 4 096 + 904 (split at the line break), then the photo.
        #expect(requests.map { ($0["path"] as? String) ?? "" } == [
            "/bot\(token)/sendMessage", "/bot\(token)/sendMessage", "/bot\(token)/sendMessage", "/bot\(token)/sendPhoto",
        ])
        let texts = requests.prefix(3).compactMap { request -> String? in
            guard let body = request["body"] as? String else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["text"] as? String
        }
        #expect(texts.map(\.count).allSatisfy { $0 <= TelegramSink.messageLimit })
        #expect(texts.joined().filter { $0 == "x" }.count == 5_000)
        #expect(texts.map(\.count) == [17, 4_096, 904])
        #expect((requests.last?["type"] as? String)?.hasPrefix("multipart/form-data") == true)
        #expect((requests.last?["body"] as? String)?.contains("PNG") == true)
        #expect(logs.all.allSatisfy { !$0.contains(token) })
    }

    @Test("a 429 is retried after its retry_after; a 500 is retried; both arrive once")
    func retries() async throws {
        for mode in [FakeTelegramServer.Mode.rateLimitedOnce, .failingOnce] {
            let server = try FakeTelegramServer(mode)
            let logs = CollectedLogs()
            let actor = AlertActor(sinks: [try telegram(server)], secrets: [token], logger: logs.logger)
            actor.post(Alert(.trialFailed, trialID: "t", title: "Trial t failed"))
            try await deliver(actor) { actor.statistics["telegram"]?.delivered == 1 }
            let stats = try #require(actor.statistics["telegram"])
            #expect(stats.delivered == 1 && stats.retries == 1 && stats.failed == 0, "\(mode)")
            let times = server.requests.compactMap { $0["time"] as? Double }
            #expect(times.count == 2)
            if mode == .rateLimitedOnce, times.count == 2 { #expect(times[1] - times[0] >= 0.9, "retry_after 1 s was honoured") }
            #expect(logs.all.contains { $0.contains("retried") })
            #expect(logs.all.allSatisfy { !$0.contains(token) })
        }
    }

    @Test("a server that never answers holds up nothing: posting returns at once, the queue stays bounded, a trial completes")
    func silentServer() async throws {
        let server = try FakeTelegramServer(.silent)
        let actor = AlertActor(sinks: [try telegram(server, timeout: .milliseconds(300))], capacity: 8, maxAttempts: 2,
                               secrets: [token], logger: CollectedLogs().logger)
        let delivering = Task { await actor.run() }
        defer { delivering.cancel() }
        for index in 0..<1_000 { actor.post(Alert(.trialStarted, trialID: "t\(index)", title: "Trial t\(index) started")) }
        let stats = try #require(actor.statistics["telegram"])
        #expect(stats.dropped >= 1_000 - 8 - 1, "the queue holds 8; the rest displaces the oldest")
        // A supervised training with every trial event alerted to the dead server still completes.
        let tests = TrialSupervisorTests()
        let record = TrialRecord(trialID: "alerted", observer: { id, event in actor.post(trialID: id, event: event) })
        let trial = TrialSupervisor(request: try tests.request("crash@5"), configuration: tests.configuration(), record: record)
        #expect(try await trial.run() == .completed(reason: .budget, step: 12))
    }

    @Test("repeats coalesce into one message with a count")
    func coalescing() async throws {
        let server = try FakeTelegramServer(.ok)
        let actor = AlertActor(sinks: [try telegram(server)], secrets: [token], logger: CollectedLogs().logger)
        for _ in 0..<5 { actor.post(Alert(.memoryPressure, title: "Memory low")) }
        try await deliver(actor) { actor.statistics["telegram"]?.delivered == 1 }
        #expect(actor.statistics["telegram"]?.coalesced == 4)
        #expect((server.requests.first?["body"] as? String)?.contains("×5") == true)
    }

    @Test("webhook: one JSON object per alert with a bearer token that no log shows; event log: one JSON line per alert")
    func webhookAndEventLog() async throws {
        let server = try FakeTelegramServer(.ok)
        let path = Scratch.path("events", suffix: ".jsonl")
        let logs = CollectedLogs()
        let actor = AlertActor(sinks: [WebhookSink(url: server.base.appendingPathComponent("hook"), bearerToken: "hook-secret-99"),
                                       EventLogSink(path: path)],
                               secrets: ["hook-secret-99"], logger: logs.logger)
        let outcome = TrialOutcome.completed(reason: .budget, step: 10)
        actor.post(trialID: "t9", event: .finished(outcome))
        actor.post(trialID: "t9", event: .restarted(generation: 1, cause: .nonFinite,
                                                   changes: [ParameterChange(name: "learning_rate", from: 0.002, to: 0.001)],
                                                   checkpoint: "/x/checkpoint-0000004.safetensors", backoff: .zero))
        try await deliver(actor) { actor.statistics["webhook"]?.delivered == 2 && actor.statistics["event-log"]?.delivered == 2 }
        let bodies = server.requests.compactMap { ($0["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }
        #expect(bodies.compactMap { $0["kind"] as? String } == ["trial_finished", "trial_restarted"])
        #expect((bodies.last?["message"] as? String)?.contains("learning_rate 0.002 → 0.001") == true)
        #expect(server.requests.first?["auth"] as? String == "Bearer hook-secret-99")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(logs.all.allSatisfy { !$0.contains("hook-secret-99") })
    }

    @Test("splitting respects the limit and line breaks; a missing token is a clear error")
    func splittingAndConfiguration() {
        #expect(TelegramSink.split("short") == ["short"])
        let lines = (0..<1_000).map { "line \($0) of the report" }.joined(separator: "\n")
        let chunks = TelegramSink.split(lines)
        #expect(chunks.allSatisfy { $0.count <= 4_096 } && chunks.joined() == lines)
        #expect(chunks.dropLast().allSatisfy { $0.hasSuffix("\n") })
        let error = #expect(throws: TelegramSink.ConfigurationError.self) { try TelegramSink(chatID: "1", environment: [:]) }
        #expect(error?.description.contains("TELEGRAM_BOT_TOKEN") == true)
    }
}

@Suite("Alert hygiene", .scratch)
struct AlertHygieneTests {
    @Test("a secret inside an alert is redacted before any sink sees it, the event log included")
    func redactedEverywhere() async throws {
        let path = Scratch.path("redact", suffix: ".jsonl")
        let actor = AlertActor(sinks: [EventLogSink(path: path)], secrets: ["s3cr3t-token-value"], logger: CollectedLogs().logger)
        actor.post(Alert(.trialFailed, title: "failed calling https://api/bots3cr3t-token-value/x", message: "token=s3cr3t-token-value"))
        let running = Task { await actor.run() }
        // Wait for the logged line itself; the ceiling (60 s) fails the test rather than hanging.
        let written = { @Sendable in (try? String(contentsOfFile: path, encoding: .utf8))?.hasSuffix("\n") == true }
        for _ in 0..<6_000 where !written() { try await Task.sleep(for: .milliseconds(10)) }
        running.cancel()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("s3cr3t-token-value"))
        #expect(text.contains("‹redacted›"))
    }

    @Test("memory pressure reaches the pressure handler")
    func memoryPressure() async {
        let memory = MemoryActor(reserveMiB: (ProcessMemory.totalMiB() ?? 1e9) * 10)
        let heard = StepCounter()
        await memory.onPressure { _ in heard.record(1) }
        await memory.sampleNow()
        #expect(heard.latest == 1)
    }
}
