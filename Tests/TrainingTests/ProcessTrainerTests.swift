import Foundation
import Synchronization
import Testing
import TinyTacotron
import TestScratch

@testable import BuiltinTraining
@testable import Training

/// The child-process trainer against the real `smart-tuner worker` and against scripted
/// misbehaving workers.
@Suite("Process trainer", .scratch)
struct ProcessTrainerTests {
    /// The `smart-tuner` built next to this test bundle.
    static var smartTuner: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("smart-tuner").path
    }

    func workerRequest(steps: Int = 4, faults: String = "") throws -> TrainRequest {
        var request = TrainingFixtures.request(steps: steps, faults: try FaultPlan(parsing: faults))
        request.builtin = BuiltinOptions(corpus: .miniature)
        request.heartbeatInterval = 0.05
        return request
    }

    func worker(timeout: Duration = .seconds(20)) -> ProcessTrainer {
        ProcessTrainer(executable: Self.smartTuner, arguments: ["worker"], heartbeatTimeout: timeout,
                       terminationGrace: .milliseconds(300))
    }

    /// A worker written as a shell script, for behaviours the real one never shows. Its heartbeat
    /// timeout is generous (a loaded machine may take seconds to start a shell); only a test of
    /// silence itself gives a short one.
    func script(_ body: String, heartbeat: Duration = .seconds(30)) throws -> ProcessTrainer {
        let path = TrainingFixtures.temporaryDirectory() + ".sh"
        try ("#!/bin/sh\nread request\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return ProcessTrainer(executable: path, heartbeatTimeout: heartbeat, terminationGrace: .milliseconds(200),
                              maxLineBytes: 1_000)
    }

    @Test("the real worker trains in a child and its events arrive in order")
    func realWorker() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.smartTuner), "smart-tuner must be built beside the tests")
        let log = EventLog()
        let pid = Mutex<Int32?>(nil)
        var trainer = worker()
        trainer.onLaunch = { value in pid.withLock { $0 = value } }
        try await trainer.train(try workerRequest(), control: TrainerControl()) { log.append($0) }
        #expect(log.kinds.filter { $0 != "heartbeat" } == ["hello", "step1", "step2", "step3", "validation3", "step4", "checkpoint4", "validation4", "finished4"]
                || log.kinds.filter { $0 != "heartbeat" } == ["hello", "step1", "step2", "step3", "validation3", "step4", "validation4", "checkpoint4", "finished4"])
        #expect(pid.withLock { $0 } != nil)
    }

    @Test("a trap in the child is a signal, not the end of the tuner")
    func trap() async throws {
        let error = await #expect(throws: TrainerFailure.self) {
            try await worker().train(try workerRequest(faults: "trap@2"), control: TrainerControl()) { _ in }
        }
        guard case .signaled(let signal, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(signal == SIGABRT)
    }

    @Test("an injected crash is a non-zero exit with the reason on record")
    func crash() async throws {
        let error = await #expect(throws: TrainerFailure.self) {
            try await worker().train(try workerRequest(faults: "crash@2"), control: TrainerControl()) { _ in }
        }
        #expect(error == .exited(code: WorkerSession.ExitStatus.injectedCrash.rawValue, stderr: ""))
    }

    @Test("a silent child is a hang: terminated after the timeout and reported")
    func hang() async throws {
        let error = await #expect(throws: TrainerFailure.self) {
            try await worker(timeout: .milliseconds(800)).train(try workerRequest(steps: 50, faults: "hang@3"), control: TrainerControl()) { _ in }
        }
        guard case .hang(_, let lastStep) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(lastStep == 2)
    }

    @Test("a stop command ends the child early and cleanly")
    func stop() async throws {
        let control = TrainerControl()
        let log = EventLog()
        try await worker().train(try workerRequest(steps: 10_000), control: control) { event in
            log.append(event)
            if case .step(let m) = event, m.step == 3 { control.requestStop() }
        }
        #expect(log.kinds.last?.hasPrefix("finished") == true)
        // The child runs ahead of the parent by however many steps fit in a pipe round trip;
        // that is ~40 here and ~120 under a loaded CI machine, so the bound is the budget's
        // order of magnitude, not a timing guess: without the stop all 10 000 steps would run.
        let steps = log.events.compactMap { if case .step(let m) = $0 { return m.step }; return nil }
        #expect(steps.count < 1_000)
        #expect(steps == Array(1...steps.count))
    }

    @Test("malformed and oversized lines are counted, skipped and passed on as warnings; the rest arrives")
    func badLines() async throws {
        let problems = Mutex<[String]>([])
        var trainer = try script("""
            echo '{"type":"hello","protocol":1,"trainer":"script"}'
            echo 'this is not json'
            head -c 5000 /dev/zero | tr '\\0' 'x'; echo
            echo '{"type":"step","step":1,"losses":{"total":NaN},"grad_norm":1,"learning_rate":0.1,"throughput":1}'
            echo '{"type":"finished","step":1}'
            """)
        trainer.onProtocolProblem = { message in problems.withLock { $0.append(message) } }
        let log = EventLog()
        try await trainer.train(try workerRequest(), control: TrainerControl()) { log.append($0) }
        #expect(log.kinds == ["hello", "log", "log", "step1", "finished1"])
        let reported = problems.withLock { $0 }
        #expect(reported.count == 2)
        #expect(reported.contains { $0.contains("not a valid event") } && reported.contains { $0.contains("oversized") })
        let warnings = log.events.compactMap { event -> String? in
            if case .log("warning", let message) = event { return message }
            return nil
        }
        #expect(warnings == reported.map { "protocol: \($0)" })
    }

    @Test("a script that reports before saying hello is read as version 1, with a warning that says what to send")
    func noHello() async throws {
        let log = EventLog()
        try await script("""
            echo '{"type":"step","step":1,"losses":{"total":1},"grad_norm":1,"learning_rate":0.1,"throughput":1}'
            echo '{"type":"finished","step":1}'
            """).train(try workerRequest(), control: TrainerControl()) { log.append($0) }
        #expect(log.kinds == ["log", "step1", "finished1"])
        guard case .log("warning", let message) = log.events.first else { Issue.record("no warning"); return }
        #expect(message.contains("before saying hello") && message.contains(#""protocol": 2"#))
    }

    @Test("exit statuses and signals are classified; stderr is kept for the record")
    func exits() async throws {
        let exited = await #expect(throws: TrainerFailure.self) {
            try await script("echo 'boom: CUDA error' >&2; exit 7").train(try workerRequest(), control: TrainerControl()) { _ in }
        }
        #expect(exited == .exited(code: 7, stderr: "boom: CUDA error\n"))
        let killed = await #expect(throws: TrainerFailure.self) {
            try await script("kill -9 $$").train(try workerRequest(), control: TrainerControl()) { _ in }
        }
        guard case .signaled(let signal, _) = killed else { Issue.record("got \(String(describing: killed))"); return }
        #expect(signal == 9)
        let early = await #expect(throws: TrainerFailure.self) {
            try await script("echo '{\"type\":\"step\",\"step\":1,\"losses\":{},\"grad_norm\":1,\"learning_rate\":1,\"throughput\":1}'; exit 0")
                .train(try workerRequest(), control: TrainerControl()) { _ in }
        }
        #expect(early == .endedEarly(lastStep: 1))
        let missing = await #expect(throws: TrainerFailure.self) {
            try await ProcessTrainer(executable: "/nonexistent/trainer").train(try workerRequest(), control: TrainerControl()) { _ in }
        }
        if case .launchFailed = missing {} else { Issue.record("got \(String(describing: missing))") }
    }

    @Test("no zombies: every child is reaped")
    func noZombies() async throws {
        for _ in 0..<3 {
            _ = try? await script("kill -9 $$").train(try workerRequest(), control: TrainerControl()) { _ in }
            _ = try? await script("sleep 30", heartbeat: .milliseconds(500)).train(try workerRequest(), control: TrainerControl()) { _ in }
        }
        // Any zombie whose parent is this process, whichever thread spawned it.
        let me = getpid()
        let zombies = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && fields[0] == "Z" && Int32(fields[1]) == me
        }
        #expect(zombies.isEmpty)
    }
}
