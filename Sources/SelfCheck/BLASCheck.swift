import Randomness
import COpenBLAS

/// Measures single-precision matrix multiplication through OpenBLAS.
public struct BLASCheck: Sendable {
    /// The result of one measurement.
    public struct Result: Sendable, Codable {
        /// The square matrix size multiplied.
        public let size: Int
        /// BLAS threads used.
        public let threads: Int
        /// Achieved single-precision GFLOP/s (2·n³ operations per product).
        public let gflops: Double
        /// The largest difference between OpenBLAS and a plain reference product on a small case.
        public let maxError: Float
    }

    /// The square matrix size.
    public var size: Int
    /// How many products to time.
    public var repetitions: Int
    /// BLAS threads to use.
    public var threads: Int

    /// Creates a check of `size`×`size` products.
    public init(size: Int = 512, repetitions: Int = 20, threads: Int = 1) {
        self.size = max(8, size)
        self.repetitions = max(1, repetitions)
        self.threads = max(1, threads)
    }

    /// Runs the check: verifies correctness on a small product, then times large ones.
    public func run() -> Result {
        openblas_set_num_threads(Int32(threads))
        let error = Self.verify(n: 17)
        let n = size
        var rng = SplitMix64(seed: 1)
        let a = (0..<n * n).map { _ in Float(rng.nextUnit() - 0.5) }
        let b = (0..<n * n).map { _ in Float(rng.nextUnit() - 0.5) }
        var c = [Float](repeating: 0, count: n * n)
        let clock = ContinuousClock()
        Self.multiply(a, b, &c, n: n)  // warm-up
        let elapsed = clock.measure {
            for _ in 0..<repetitions { Self.multiply(a, b, &c, n: n) }
        }
        let flops = 2 * Double(n) * Double(n) * Double(n) * Double(repetitions)
        return Result(size: n, threads: threads, gflops: flops / elapsed.seconds / 1e9, maxError: error)
    }

    private static func multiply(_ a: [Float], _ b: [Float], _ c: inout [Float], n: Int) {
        let size = Int32(n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1, a, size, b, size, 0, &c, size)
    }

    private static func verify(n: Int) -> Float {
        var rng = SplitMix64(seed: 7)
        let a = (0..<n * n).map { _ in Float(rng.nextUnit() - 0.5) }
        let b = (0..<n * n).map { _ in Float(rng.nextUnit() - 0.5) }
        var c = [Float](repeating: 0, count: n * n)
        multiply(a, b, &c, n: n)
        var worst: Float = 0
        for i in 0..<n {
            for j in 0..<n {
                var sum: Float = 0
                for k in 0..<n { sum += a[i * n + k] * b[k * n + j] }
                worst = max(worst, abs(sum - c[i * n + j]))
            }
        }
        return worst
    }
}
