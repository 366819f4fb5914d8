import Benchmark
import SmartTuner

// Alignment metrics of DESIGN §5 for one 1 000 × 200 attention matrix (target: well under
// 1 ms). Benchmarks/numpy_alignment.py computes the same formulas with NumPy for comparison.

let benchmarks: @Sendable () -> Void = {
    Benchmark("Alignment metrics, 1000×200 matrix (all metrics, gates and truth)",
              configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5))) { benchmark in
        let (frames, tokens) = (1_000, 200)
        var state: UInt64 = 3   // a small LCG: SmartTuner no longer re-exports its Randomness module
        func nextUnit() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        var values = [Float](repeating: 0, count: frames * tokens)
        for t in 0..<frames {
            // A noisy diagonal: most mass near t·N/T, a little everywhere.
            var sum: Float = 0
            for j in 0..<tokens {
                let distance = Float(j) - Float(t * tokens) / Float(frames)
                let weight = expf(-distance * distance / 8) + nextUnit() * 0.01
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
    attentionFileBenchmarks()
}

#if canImport(Glibc)
import Glibc
#endif

/// Protocol 2's hand-over, the tuner's half: a 16 × 800 × 150 float16 attention batch in a `.npy`
/// file (what the Python client writes) read, cut to its lengths, checked and analysed (target,
/// with the client's half measured by Benchmarks/python_client.py: under 50 ms end to end).
let attentionFileBenchmarks: @Sendable () -> Void = {
    Benchmark("Attention file: 16×800×150 float16 batch read, cut, checked and analysed",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(10))) { benchmark in
        let (batch, frames, tokens) = (16, 800, 150)
        var header = "{'descr': '<f2', 'fortran_order': False, 'shape': (\(batch), \(frames), \(tokens)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        var values = [UInt16](repeating: 0, count: batch * frames * tokens)
        var lengths: [(Int, Int)] = []
        for b in 0..<batch {
            let (valid, validTokens) = (frames - b * 20, tokens - b * 4)
            lengths.append((valid, validTokens))
            for t in 0..<valid {
                let centre = t * validTokens / valid
                var sum: Float = 0
                var row = [Float](repeating: 0, count: validTokens)
                for j in 0..<validTokens {
                    row[j] = expf(-Float((j - centre) * (j - centre)) / 4)
                    sum += row[j]
                }
                for j in 0..<validTokens { values[(b * frames + t) * tokens + j] = Float16(row[j] / sum).bitPattern }
            }
        }
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("attention-benchmark-\(getpid()).npy").path
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let files = AttentionBatchFiles(attention: path, frames: lengths.map(\.0), tokens: lengths.map(\.1))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let validation = ValidationMetrics(step: 1, losses: ["total": 1], samples: [], attentionFiles: files)
                .resolvingAttentionFiles(deletingWithin: nil)
            try validation.checkReportData()
            let metrics = try validation.samples.map { sample in
                try AlignmentAnalysis.metrics(AttentionMatrix(values: sample.attention, frames: sample.frames, tokens: sample.tokens))
            }
            blackHole(AlignmentMetrics.mean(of: metrics))
        }
        benchmark.stopMeasurement()
    }
}

import Foundation
