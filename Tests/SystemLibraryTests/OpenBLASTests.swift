import COpenBLAS
import Testing

@Suite("OpenBLAS system library")
struct OpenBLASTests {
    @Test("cblas_sgemm multiplies row-major matrices like the textbook loop")
    func sgemmMatchesReference() {
        openblas_set_num_threads(1)
        let (m, n, k) = (5, 7, 3)
        let a = (0..<(m * k)).map { Float($0 % 11) - 5 }
        let b = (0..<(k * n)).map { Float($0 % 7) * 0.5 - 1 }
        var c = [Float](repeating: 1, count: m * n)
        // C = 2·A·B + 0.5·C
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    2, a, Int32(k), b, Int32(n), 0.5, &c, Int32(n))
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum += a[i * k + p] * b[p * n + j] }
                #expect(abs(c[i * n + j] - (2 * sum + 0.5)) < 1e-4)
            }
        }
    }

    @Test("transposed operands and sgemv agree with sgemm")
    func transposes() {
        let (m, k) = (4, 6)
        let a = (0..<(m * k)).map { Float($0) * 0.1 }
        let x = (0..<m).map { Float($0) + 1 }
        var viaGemv = [Float](repeating: 0, count: k)
        // y = Aᵀ·x
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(k), 1, a, Int32(k), x, 1, 0, &viaGemv, 1)
        var viaGemm = [Float](repeating: 0, count: k)
        // (1×m)·(m×k)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, Int32(k), Int32(m), 1, x, Int32(m), a, Int32(k),
                    0, &viaGemm, Int32(k))
        for j in 0..<k { #expect(abs(viaGemv[j] - viaGemm[j]) < 1e-4) }
    }
}
