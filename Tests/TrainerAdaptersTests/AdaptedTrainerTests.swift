import Foundation
import Synchronization
import Testing
import TestScratch
import Training

@testable import TrainerAdapters

/// Runs `script` (Python) under an adapter with `settings`' progress rules and collects what it emits.
func adapt(_ script: String, steps: Int = 3, heartbeat: Duration = .seconds(60), hyperparameters: [String: Double] = [:],
           configure: (inout AdapterSettings) throws -> Void = { _ in }) async throws -> (events: [TrainingEvent], failure: TrainerFailure?) {
    let directory = try Scratch.folder("adapter-runs")
    var settings = AdapterSettings(command: [try ValueTemplate("python3", keyPath: "c"), try ValueTemplate("-c", keyPath: "c"),
                                             try ValueTemplate(script.replacingOccurrences(of: "{", with: "{{").replacingOccurrences(of: "}", with: "}}"), keyPath: "c")])
    settings.progress.stepLines = [try OutputPattern(#"^step (?<step>\d+) loss (?<loss>\S+)"#, keyPath: "p", required: ["step"])]
    try configure(&settings)
    let trainer = AdaptedTrainer(settings: settings, heartbeatTimeout: heartbeat, terminationGrace: .seconds(10))
    let events = Mutex<[TrainingEvent]>([])
    let request = TrainRequest(trialID: "t", hyperparameters: hyperparameters, steps: steps, checkpointDirectory: directory + "/g0")
    do {
        try await trainer.train(request, control: TrainerControl()) { event in
            if case .heartbeat = event { return }
            events.withLock { $0.append(event) }
        }
        return (events.withLock { $0 }, nil)
    } catch let failure as TrainerFailure {
        return (events.withLock { $0 }, failure)
    }
}

@Suite("Adapted trainer runs", .scratch)
struct AdaptedTrainerTests {
    @Test("a script that passes the budget is stopped there: the steps up to it are read, the rest are not, and the incarnation finished")
    func stopsAtBudget() async throws {
        let (events, failure) = try await adapt("""
            import time
            for i in range(1, 10000):
                print(f"step {i} loss {1.0 / i}", flush=True)
                time.sleep(0.01)
            """)
        #expect(failure == nil)
        #expect(events.compactMap { if case .step(let s) = $0 { s.step } else { nil } } == [1, 2, 3])
        #expect(events.last == .finished(step: 3))
    }

    @Test("exits: status 0 before the budget is ending early, another status is a crash with the stderr tail, a signal is reported as one")
    func exits() async throws {
        let early = try await adapt("print('step 1 loss 0.5')")
        #expect(early.failure == .endedEarly(lastStep: 1))
        let crashed = try await adapt("import sys\nprint('step 1 loss 0.5')\nsys.stderr.write('CUDA error: out of cheese\\n')\nsys.exit(3)")
        #expect(crashed.failure == .exited(code: 3, stderr: "CUDA error: out of cheese"))
        let killed = try await adapt("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
        guard case .signaled(let number, _) = killed.failure else {
            Issue.record("\(String(describing: killed.failure))")
            return
        }
        #expect(number == SIGSEGV)
    }

    @Test("a silent script is a hang once the heartbeat timeout passes (it is killed), with the last step read")
    func hang() async throws {
        let (events, failure) = try await adapt("import time\nprint('step 1 loss 0.5', flush=True)\ntime.sleep(600)", heartbeat: .seconds(2))
        guard case .hang(_, let step) = failure else {
            Issue.record("\(String(describing: failure))")
            return
        }
        // (On a loaded machine Python may take longer than the timeout to print its first line.)
        let read = events.contains { if case .step = $0 { true } else { false } }
        #expect(step == (read ? 1 : 0))
    }

    @Test("output no rule reads, unreadable values and oversized lines are warnings, counted past 20, never a failure")
    func warnings() async throws {
        let (events, failure) = try await adapt("""
            print("epoch 1 of 3")
            print("x" * 2_000_000)
            for i in range(25):
                print(f"step 1 loss fast{i}")
            print("step 1 loss 0.1\\nstep 2 loss 0.1\\nstep 3 loss 0.1\\nstep 4 loss 0.1")
            """)
        #expect(failure == nil)
        let warnings = events.compactMap { if case .log("warning", let message) = $0 { message } else { nil } }
        #expect(warnings.first?.contains("skipped an output line of at least") == true, "\(warnings)")
        #expect(warnings.filter { $0.contains("not a number") }.count == 19, "20 reported in all, the oversized line first")
        #expect(warnings.last?.contains("26 output lines matched a progress rule but could not be read") == true, "\(warnings.last ?? "")")
        let silent = try await adapt("print('training started')\nprint('all done')", steps: 1)
        #expect(silent.failure == .endedEarly(lastStep: 0))
        #expect(silent.events.contains { if case .log(_, let m) = $0 { m.contains("none of the script's 2 output lines matched") } else { false } })
    }

    @Test("hyperparameters reach the script as arguments, environment variables and a config file; a resume gets its arguments and keeps counting")
    func hyperparameterRoutes() async throws {
        let directory = try Scratch.folder("adapter-routes")
        let config = "\(directory)/config.json"
        let settings = { (settings: inout AdapterSettings) throws in
            settings.command = try ["python3", "-c", "import json, os, sys; c = json.load(open(sys.argv[1])); print(f\"step 1 loss {c['lr']} {os.environ['BATCH']} {' '.join(sys.argv[2:])}\")", config]
                .map { try ValueTemplate($0.replacingOccurrences(of: "{", with: "{{").replacingOccurrences(of: "}", with: "}}"), keyPath: "c") }
            settings.arguments = [try ValueTemplate("--lr={learning_rate}", keyPath: "a")]
            settings.environment = ["BATCH": try ValueTemplate("{batch_size}", keyPath: "e")]
            settings.configFile = .init(path: try ValueTemplate(config, keyPath: "p"), contents: try ValueTemplate(#"{{"lr": {learning_rate}}}"#, keyPath: "c"))
            settings.progress.stepLines = [try OutputPattern(#"^step (?<step>\d+) loss (?<loss>\S+) (?<batch>\d+) --lr=(?<lr>\S+)"#, keyPath: "p")]
            settings.checkpoints = try CheckpointPattern("ckpt_{step}", keyPath: "c")
            settings.resume = .init(arguments: [try ValueTemplate("--restore", keyPath: "r"), try ValueTemplate("{checkpoint}", keyPath: "r")], counting: .zero)
        }
        var adapter = AdapterSettings(command: [])
        try settings(&adapter)
        var request = TrainRequest(trialID: "t", hyperparameters: ["learning_rate": 0.0005, "batch_size": 16], steps: 45,
                                   checkpointDirectory: "\(directory)/g1", resumeCheckpoint: "\(directory)/g0/ckpt_40")
        request.resumeStep = 40
        let events = Mutex<[TrainingEvent]>([])
        do {
            try await AdaptedTrainer(settings: adapter).train(request, control: TrainerControl()) { event in events.withLock { $0.append(event) } }
        } catch {}
        let steps = events.withLock { $0 }.compactMap { if case .step(let s) = $0 { s } else { nil } }
        #expect(steps.count == 1)
        #expect(steps.first?.step == 41, "counted from the checkpoint's step 40")
        #expect(steps.first?.totalLoss == 0.0005 && steps.first?.losses["batch"] == 16 && steps.first?.losses["lr"] == 0.0005, "\(steps)")
    }

    @Test("the learning rate the script prints is read back: one that is not the requested one is said once in the record")
    func learningRateReadBack() async throws {
        let script = "for i in range(1, 4): print(f'step {i} loss 0.5 lr 0.0001')"
        let rule = { (settings: inout AdapterSettings) throws in
            settings.progress.stepLines = [try OutputPattern(#"^step (?<step>\d+) loss (?<loss>\S+) lr (?<learning_rate>\S+)"#, keyPath: "p")]
        }
        let ignored = try await adapt(script, hyperparameters: ["learning_rate": 0.0005], configure: rule)
        let warnings = ignored.events.compactMap { if case .log("warning", let message) = $0 { message } else { nil } }
        #expect(warnings.count == 1 && warnings.first?.contains("printed learning rate 0.0001 at step 1, not the requested 0.0005") == true, "\(warnings)")
        let reached = try await adapt(script, hyperparameters: ["learning_rate": 0.0001], configure: rule)
        #expect(!reached.events.contains { if case .log = $0 { true } else { false } })
    }

    @Test("progress from the TensorBoard event file a script writes: steps and validations by tag, with their offsets")
    func tensorBoardProgress() async throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TensorBoardEventsTests/Fixtures/scalars.tfevents").path
        let (events, failure) = try await adapt("import os, shutil, sys\nd = sys.argv[1]\nos.makedirs(d, exist_ok=True)\nshutil.copy('\(fixture)', os.path.join(d, 'events.out.tfevents.1.host'))") { settings in
            settings.command.append(try ValueTemplate("{checkpoint_directory}", keyPath: "c"))
            settings.progress.stepLines = []
            var board = TensorBoardSettings()
            board.step = .init(tags: try OutputPattern("TrainIterStats/(?<name>.+)", keyPath: "t"), stepOffset: 1)
            board.validation = .init(tags: try OutputPattern("EvalStats/avg_(?<name>.+)", keyPath: "t"), stepOffset: 0)
            settings.progress.tensorboard = board
            settings.progress.roles.learningRate = "current_lr"
        }
        #expect(failure == nil, "\(String(describing: failure))")
        let steps = events.compactMap { if case .step(let s) = $0 { s } else { nil } }
        #expect(steps.map(\.step) == [1, 2, 3] && steps.first?.totalLoss == 4.5 && steps.first?.learningRate == Double(Float(0.001)) && steps.last?.totalLoss.isNaN == true, "\(steps)")
        let validations = events.compactMap { if case .validation(let v) = $0 { v } else { nil } }
        #expect(validations.map(\.step) == [3] && validations.first?.totalLoss == 3.0, "\(validations)")
        #expect(events.last == .finished(step: 3))
    }
}
