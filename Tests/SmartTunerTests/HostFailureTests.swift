import Foundation
import Testing
import TestPostgres
import TestScratch

@testable import SmartTuner

/// Hosts made of network namespaces (Support/hosts.sh): three hosts and a database host on a
/// private bridge, nothing routed beyond them.
struct NamespaceHosts: Sendable {
    let id: String
    let dataDirectory: String
    let port: Int
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/hosts.sh").path

    /// Makes the hosts and starts PostgreSQL on the database host; returns its URL.
    /// - Throws: when namespaces cannot be made here (the message says why and what is needed).
    func up() async throws -> String { try await run(["up", id, dataDirectory, String(port)]) }
    func down() async { _ = try? await run(["down", id, dataDirectory, String(port)]) }
    /// Starts `command` on host `host` (1…3) with its output in `log`.
    func start(on host: Int, log: String, _ command: [String]) async throws { _ = try await run(["run", id, String(host), log] + command) }
    func kill(_ host: Int) async throws { _ = try await run(["kill", id, String(host)]) }
    func cut(_ host: Int) async throws { _ = try await run(["cut", id, String(host)]) }
    func restore(_ host: Int) async throws { _ = try await run(["restore", id, String(host)]) }
    func processes(on host: Int) async throws -> Int { Int(try await run(["alive", id, String(host)])) ?? -1 }

    private func run(_ arguments: [String]) async throws -> String {
        try await PrivatePostgres.shell(([Self.script] + arguments).map { "'\($0)'" }.joined(separator: " "))
    }
}

@Suite("Hosts that fail: three hosts, two workers each, one PostgreSQL study", .serialized, .scratch, .timeLimit(.minutes(30)))
struct HostFailureTests {
    @Test("""
        one host killed (kill -9 of all its processes) and another cut off past the heartbeat timeout: exactly the requested \
        trials, none lost or repeated; the killed host's trials resume from its checkpoints on the shared folder; the cut host drops its taken-over runs
        """)
    func hostsThatFail() async throws {
        let directory = try scratchDirectory()
        let hosts = NamespaceHosts(id: "st" + String(UUID().uuidString.lowercased().prefix(4)), dataDirectory: directory + "/postgres",
                                   port: Int(try await PrivatePostgres.shell("python3 -c 'import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])'")) ?? 0)
        let url: String
        do {
            url = try await hosts.up()
        } catch {
            await hosts.down()
            Issue.record("the hosts could not be made, so this test cannot show anything: \(error)")
            return
        }
        do {
            try await exercise(hosts, url: url, directory: directory)
        } catch {
            await hosts.down()
            throw error
        }
        await hosts.down()
    }

    private func exercise(_ hosts: NamespaceHosts, url: String, directory: String) async throws {
        // Trials that train to their budget, checkpointing every 10 steps into one shared folder.
        let config = directory + "/study.yaml"
        try drillStudy(directory: directory, trials: 10, parallelism: 1, steps: 300)
            .replacingOccurrences(of: "\(directory)/study.db", with: url)
            .replacingOccurrences(of: "  seed: 3", with: "  seed: 3\n  heartbeat_timeout: 12")
            .replacingOccurrences(of: "  alignment_deadline: 0", with: "  alignment_deadline: 0\n  patience: 0\n  overfitting_validations: 1000")
            .write(toFile: config, atomically: true, encoding: .utf8)
        func log(_ host: Int, _ worker: Int) -> String { "\(directory)/host\(host)-\(worker).log" }
        for host in 1...3 {
            for worker in 1...2 {
                try await hosts.start(on: host, log: log(host, worker), ["env", "PGPASSWORD=smarttuner", smartTunerExecutable, "optimize", "--config", config])
            }
        }
        // The test watches the study through the database's socket (a file, shared by all namespaces).
        let watch = "postgresql://smarttuner@localhost:\(hosts.port)/smarttuner?host=/tmp/smart-tuner-pg.\(hosts.port)"
        var opened: (any StudyStore)?
        try await waitFor("the workers to create the study", ceiling: .seconds(300)) {
            opened = try? await openStore(watch, readOnly: true)
            return try await opened?.studyNames().contains("drill") == true
        }
        guard let store = opened else { return }
        let study = try await store.study(named: "drill")
        func running(on host: Int) async throws -> [StoredTrial] {
            try await store.trials(of: study).filter { $0.state == .running && $0.worker?.hasPrefix("host\(host):") == true }
        }

        // Mid-study: hosts 1 and 2 each train two trials and have checkpointed them.
        try await waitFor("hosts 1 and 2 to checkpoint two trials each", ceiling: .seconds(600)) {
            for host in [1, 2] {
                let trials = try await running(on: host)
                guard trials.count == 2 else { return false }
                for trial in trials where (try await store.checkpoints(of: trial).filter { $0.generation == trial.generation }.map(\.step).max() ?? 0) < 30 {
                    return false
                }
            }
            return true
        }
        let killed = try await running(on: 1), cut = try await running(on: 2)
        try await hosts.kill(1)
        try await hosts.cut(2)
        #expect(try await hosts.processes(on: 1) == 0, "kill -9 left no process on host 1")

        // Host 2 stays cut off until host 3 has taken its trials over (past the heartbeat timeout).
        try await waitFor("host 3 to take over host 2's trials", ceiling: .seconds(900)) {
            let now = try await store.trials(of: study)
            return cut.allSatisfy { trial in now.contains { $0.number == trial.number && $0.generation > trial.generation } }
        }
        try await hosts.restore(2)
        try await waitFor("every worker to finish the study", ceiling: .seconds(1_200)) {
            let (two, three) = (try await hosts.processes(on: 2), try await hosts.processes(on: 3))
            return two == 0 && three == 0
        }

        let trials = try await store.trials(of: study)
        #expect(trials.map(\.number) == Array(0..<10), "exactly the requested trials, each once")
        // Each ends as training and supervision decide (a trial may fail by its own restart rules); none is left running.
        for trial in trials where ![.complete, .pruned, .failed].contains(trial.state) {
            Issue.record("trial \(trial.number) ended \(String(describing: trial.state)): \(try await store.events(of: trial).map { "g\($0.generation) \($0.kind): \($0.detail)" })")
        }
        let rows = try await PrivatePostgres.shell("psql -h /tmp/smart-tuner-pg.\(hosts.port) -p \(hosts.port) -U smarttuner -d smarttuner -tAc 'SELECT count(*), count(DISTINCT number) FROM trials'")
        #expect(rows == "10|10", "Optuna's trials table holds each trial once")
        for trial in trials {
            let finished = try await store.events(of: trial).filter { $0.kind == "finished" }
            #expect(finished.map(\.generation) == [trial.generation], "trial \(trial.number) finished once, by its last generation")
        }
        // The killed host's trials: taken over, resumed from host 1's checkpoints on the shared folder.
        for before in killed {
            let trial = try #require(trials.first { $0.number == before.number })
            #expect(trial.generation > before.generation)
            let events = try await store.events(of: trial)
            let resumed = try #require(events.first { $0.kind == "resumed" && $0.generation > before.generation }, "trial \(trial.number): \(events)")
            #expect(resumed.detail.hasPrefix("from step ") && resumed.detail.contains("written on host1") && resumed.detail.contains("\(directory)/runs/"),
                    "trial \(trial.number) resumed from host 1's checkpoint: \(resumed.detail)")
            let step = Int(resumed.detail.dropFirst("from step ".count).prefix { $0.isNumber }) ?? 0
            #expect(step >= 30)
            let later = try await store.checkpoints(of: trial).filter { $0.generation == resumed.generation }.map(\.step)
            #expect(later.min() == step + 10, "generation \(resumed.generation) of trial \(trial.number) went on from step \(step): \(later)")
        }
        // The cut host learned on reconnecting that its trials were taken over, and dropped those runs.
        let hostTwo = try (1...2).map { try String(contentsOfFile: log(2, $0), encoding: .utf8) }.joined()
        for before in cut {
            #expect(hostTwo.contains("trial \(before.number): taken over by another worker meanwhile; this run's result is dropped"),
                    "host 2's logs: \(hostTwo.suffix(3_000))")
            let trial = try #require(trials.first { $0.number == before.number })
            #expect(trial.generation > before.generation && trial.worker?.hasPrefix("host2:") == false)
        }
        #expect(try await store.integrityCheck() == "ok")
    }

    /// Polls `condition` every half second; fails the test past `ceiling` instead of hanging.
    private func waitFor(_ what: String, ceiling: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + ceiling
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("waited \(ceiling) for \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
