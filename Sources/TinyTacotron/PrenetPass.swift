/// The prenet: two ReLU layers with dropout, applied to the previous target frame (teacher
/// forcing), for every frame of the batch at once.
extension TinyTacotronModel {
    func prenetForward(_ batch: TacotronBatch) {
        let (B, T, M, P) = (batch.size, batch.maxFrames, dimensions.mels, dimensions.prenet)
        let rows = T * B
        let input = workspace.decoderInput.pointer
        // Frame t's input is target frame t−1; the first frame's is zero (the "go" frame).
        input.update(repeating: 0, count: B * M)
        batch.targets.withUnsafeBufferPointer { targets in
            if let base = targets.baseAddress, T > 1 {
                (input + B * M).update(from: base, count: (T - 1) * B * M)
            }
        }
        layer(input: input, inputWidth: M, weight: parameters.prenet1, bias: parameters.prenet1Bias, rows: rows,
              pre: workspace.prenetPre1.pointer, mask: workspace.prenetMask1.pointer, output: workspace.prenetOut1.pointer)
        layer(input: workspace.prenetOut1.pointer, inputWidth: P, weight: parameters.prenet2, bias: parameters.prenet2Bias,
              rows: rows, pre: workspace.prenetPre2.pointer, mask: workspace.prenetMask2.pointer,
              output: workspace.prenetOut2.pointer)
    }

    /// Backward from `workspace.dPrenet2` (the gradient of the prenet output) to its weights.
    func prenetBackward(_ batch: TacotronBatch) {
        let (B, T, M, P) = (batch.size, batch.maxFrames, dimensions.mels, dimensions.prenet)
        let rows = T * B
        let p = parameters
        let ws = workspace
        // dPre2 = dOut2 ⊙ mask2 ⊙ [pre2 > 0], in place.
        gateBackward(ws.dPrenet2.pointer, pre: ws.prenetPre2.pointer, mask: ws.prenetMask2.pointer, count: rows * P)
        BLAS.gemm(transposeA: true, m: P, n: P, k: rows, a: ws.prenetOut1.pointer, lda: P, b: ws.dPrenet2.pointer, ldb: P,
                  beta: 1, c: p.prenet2.g, ldc: P)
        addColumnSums(ws.dPrenet2.pointer, rows: rows, columns: P, into: p.prenet2Bias.g)
        BLAS.gemm(transposeB: true, m: rows, n: P, k: P, a: ws.dPrenet2.pointer, lda: P, b: p.prenet2.w, ldb: P,
                  beta: 0, c: ws.dPrenet1.pointer, ldc: P)
        gateBackward(ws.dPrenet1.pointer, pre: ws.prenetPre1.pointer, mask: ws.prenetMask1.pointer, count: rows * P)
        BLAS.gemm(transposeA: true, m: M, n: P, k: rows, a: ws.decoderInput.pointer, lda: M, b: ws.dPrenet1.pointer, ldb: P,
                  beta: 1, c: p.prenet1.g, ldc: P)
        addColumnSums(ws.dPrenet1.pointer, rows: rows, columns: P, into: p.prenet1Bias.g)
    }

    /// output = ReLU(input · W + b) ⊙ mask, keeping the pre-activation.
    private func layer(input: UnsafePointer<Float>, inputWidth: Int, weight: Parameter, bias: Parameter, rows: Int,
                       pre: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let width = bias.count
        for row in 0..<rows { (pre + row * width).update(from: bias.w, count: width) }
        BLAS.gemm(m: rows, n: width, k: inputWidth, a: input, lda: inputWidth, b: weight.w, ldb: width, beta: 1,
                  c: pre, ldc: width)
        for index in 0..<(rows * width) { output[index] = max(0, pre[index]) * mask[index] }
    }

    private func gateBackward(_ gradient: UnsafeMutablePointer<Float>, pre: UnsafePointer<Float>,
                              mask: UnsafePointer<Float>, count: Int) {
        for index in 0..<count { gradient[index] = pre[index] > 0 ? gradient[index] * mask[index] : 0 }
    }
}
