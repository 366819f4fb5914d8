import Benchmark
import Foundation
import Logging
import SmartTuner
import TinyTacotron

// The built-in model's training step: batch 16, default sizes (120 961 parameters), one
// OpenBLAS thread, the default synthetic corpus. Compare with Benchmarks/pytorch_tinytacotron.py,
// the same model in PyTorch on the same CPU.

let gflops = BenchmarkMetric.custom("achieved GFLOP/s", polarity: .prefersLarger, useScalingFactor: false)
let framesPerSecond = BenchmarkMetric.custom("frames/s (thousands)", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    Benchmark("TinyTacotron training step (batch 16, 1 BLAS thread)",
              configuration: .init(metrics: [.wallClock, .throughput, gflops, framesPerSecond],
                                   warmupIterations: 20, maxDuration: .seconds(20), maxIterations: 300)) { benchmark in
        // One trainer for the whole run: each iteration is one optimizer step on a new batch.
        let trainer = try TacotronTrainer(blasThreads: 1)
        for _ in 0..<5 { trainer.trainStep() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let report = trainer.trainStep()
            benchmark.measurement(gflops, Int(report.gflops.rounded()))
            benchmark.measurement(framesPerSecond, Int((report.framesPerSecond / 1_000).rounded()))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("TinyTacotron validation pass (64 utterances)",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 50)) { benchmark in
        let trainer = try TacotronTrainer(blasThreads: 1)
        trainer.trainStep()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(trainer.validate()) }
        benchmark.stopMeasurement()
    }

    // What supervision costs (DESIGN §9: supervision, quality analysis and early stopping < 1 %
    // of a training step): the same 100 steps — same seed, same batches, validations at 50 and
    // 100 with 16 attention samples, a final checkpoint — bare, and under the trial tree.
    Benchmark("100 training steps, bare trainer",
              configuration: .init(metrics: [.wallClock], warmupIterations: 1, maxDuration: .seconds(60), maxIterations: 7)) { benchmark in
        for _ in benchmark.scaledIterations {
            let directory = temporaryDirectory()
            let trainer = try TacotronTrainer(blasThreads: 1)
            while trainer.step < 100 {
                trainer.trainStep()
                if trainer.step % 50 == 0 { blackHole(trainer.validate(count: 16)) }
            }
            try trainer.saveCheckpoint(in: directory, heatmap: trainer.validate(count: 1).utterances.first)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    Benchmark("100 training steps, supervised (trial tree, quality, early stop)",
              configuration: .init(metrics: [.wallClock], warmupIterations: 1, maxDuration: .seconds(60), maxIterations: 7)) { benchmark in
        var policy = EarlyStopPolicy()
        policy.alignmentDeadline = nil
        let configuration = TrialConfiguration(earlyStop: policy, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        for _ in benchmark.scaledIterations {
            let directory = temporaryDirectory()
            let request = TrainRequest(trialID: "bench", steps: 100, validationInterval: 50, checkpointInterval: 0,
                                       checkpointDirectory: directory, heartbeatInterval: 1_000)
            blackHole(try await TrialSupervisor(request: request, configuration: configuration).run())
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

func temporaryDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)").path
}
