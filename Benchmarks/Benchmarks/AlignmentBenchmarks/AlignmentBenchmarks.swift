import Benchmark
import SmartTuner

// Alignment metrics of DESIGN §5 for one 1 000 × 200 attention matrix (target: well under
// 1 ms). Benchmarks/numpy_alignment.py computes the same formulas with NumPy for comparison.

let benchmarks: @Sendable () -> Void = {
    Benchmark("Alignment metrics, 1000×200 matrix (all metrics, gates and truth)",
              configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5))) { benchmark in
        let (frames, tokens) = (1_000, 200)
        var rng = SplitMix64(seed: 3)
        var values = [Float](repeating: 0, count: frames * tokens)
        for t in 0..<frames {
            // A noisy diagonal: most mass near t·N/T, a little everywhere.
            var sum: Float = 0
            for j in 0..<tokens {
                let distance = Float(j) - Float(t * tokens) / Float(frames)
                let weight = expf(-distance * distance / 8) + Float(rng.nextUnit()) * 0.01
                values[t * tokens + j] = weight
                sum += weight
            }
            for j in 0..<tokens { values[t * tokens + j] /= sum }
        }
        let matrix = try AttentionMatrix(values: values, frames: frames, tokens: tokens)
        let gates = (0..<frames).map { Float($0 - frames + 3) }
        let truth = (0..<frames).map { $0 * tokens / frames }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try AlignmentAnalysis.metrics(matrix, gateLogits: gates, trueAlignment: truth))
        }
        benchmark.stopMeasurement()
    }
}

#if canImport(Glibc)
import Glibc
#endif
