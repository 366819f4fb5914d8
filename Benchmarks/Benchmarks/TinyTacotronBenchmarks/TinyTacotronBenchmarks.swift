import Benchmark
import SmartTuner

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
}
