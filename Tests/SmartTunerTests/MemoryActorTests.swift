import Foundation
import Synchronization
import Testing
import TestScratch

@testable import SmartTuner

@Suite("Memory watchdog", .scratch)
struct MemoryActorTests {
    @Test("RSS and available memory come from /proc; nvidia-smi output parses")
    func readings() {
        #expect((ProcessMemory.residentMiB() ?? 0) > 1)
        #expect((ProcessMemory.availableMiB() ?? 0) > 1)
        #expect(ProcessMemory.residentMiB(pid: 999_999_999) == nil)
        #expect(GPUMemoryProbe.parse("0, 1024, 16384\n1, 0, 16384\nbogus\n") ==
                [GPUMemory(index: 0, usedMiB: 1024, totalMiB: 16384), GPUMemory(index: 1, usedMiB: 0, totalMiB: 16384)])
    }

    @Test("admission: a trial is admitted only if its expected memory fits beside the reserve and earlier promises")
    func admission() async {
        let available = ProcessMemory.availableMiB() ?? 0
        let memory = MemoryActor(reserveMiB: 256)
        #expect(await memory.admit(trial: "huge", expectedMiB: available * 2) == false)
        #expect(await memory.admit(trial: "a", expectedMiB: (available - 256) * 0.6))
        #expect(await memory.admit(trial: "b", expectedMiB: (available - 256) * 0.6) == false, "a's promise counts")
        await memory.release(trial: "a")
        #expect(await memory.admit(trial: "b", expectedMiB: (available - 256) * 0.6))
    }

    @Test("a process over its budget is reported once, with the evidence")
    func overBudget() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Real pages (a filled buffer), and "ready" once they exist.
        process.arguments = ["python3", "-c", "import sys, time; b = b'x' * (200 * 1024 * 1024); print('ready', flush=True); time.sleep(20)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        _ = output.fileHandleForReading.availableData
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitForExit()
        }
        let reports = Mutex<[Evidence]>([])
        let memory = MemoryActor(interval: .milliseconds(20))
        await memory.watch(trial: "t", pid: process.processIdentifier, budgetMiB: 100) { evidence in
            reports.withLock { $0.append(evidence) }
        }
        for _ in 0..<500 where reports.withLock({ $0.isEmpty }) {
            await memory.sampleNow()
            try await Task.sleep(for: .milliseconds(10))
        }
        await memory.sampleNow()
        let seen = reports.withLock { $0 }
        #expect(seen.count == 1)
        #expect((seen.first?.values["rss_mib"] ?? 0) > 100)
        #expect(await memory.latest?.trials["t"] ?? 0 > 100)
    }

    @Test("child mode end to end: an injected OOM goes over the budget, is stopped as outOfMemory, and the batch is halved")
    func outOfMemoryInChildMode() async throws {
        let memory = MemoryActor(interval: .milliseconds(50))
        let sampling = Task { try await memory.run() }
        defer { sampling.cancel() }
        let tests = TrialSupervisorTests()
        var configuration = tests.configuration(childProcess: true)
        configuration.memory = memory
        configuration.memoryBudgetMiB = 300
        var request = try tests.request("oom@6")
        request.steps = 12
        let trial = TrialSupervisor(request: request, configuration: configuration)
        #expect(try await trial.run() == .completed(reason: .budget, step: 12))
        #expect(tests.story(trial.record) == ["started", "failed(outOfMemory)", "restarted(outOfMemory)", "started", "finished(completed.budget)"])
        if case .failed(_, _, let evidence) = trial.record.timeline.first(where: { $0.kind == "failed(outOfMemory)" }) {
            #expect(evidence.summary.contains("over the 300 MiB budget"))
        }
        #expect(tests.firstRestart(trial.record)?.changes == [ParameterChange(name: "batch_size", from: 4, to: 2)])
    }
}
