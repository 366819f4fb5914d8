import COpenBLAS

/// Row-major matrix products through OpenBLAS. Every matrix product of the model goes
/// through here.
enum BLAS {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op is a transpose when asked.
    /// `lda`, `ldb`, `ldc` are the row lengths of A, B, C as stored.
    @inline(__always)
    static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0, k > 0 else {
            if m > 0, n > 0, beta != 1 {
                for row in 0..<m { for column in 0..<n { c[row * ldc + column] *= beta } }
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y[n] = alpha · Aᵀ · x + beta · y for A stored row-major as m×n (x has m entries).
    @inline(__always)
    static func gemvTransposed(m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                               x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        guard m > 0, n > 0 else { return }
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// y[m] = alpha · A · x + beta · y for A stored row-major as m×n.
    @inline(__always)
    static func gemv(m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                     x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        guard m > 0, n > 0 else { return }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// Sets how many threads OpenBLAS uses (process-wide).
    static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
