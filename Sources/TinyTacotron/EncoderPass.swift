/// The encoder: embedding, then residual convolutions `x + ReLU(conv₅(x))`, then attention keys.
/// Padding positions are zero and never leak into valid ones (the convolution treats positions
/// past an utterance's length as zero).
extension TinyTacotronModel {
    func encoderForward(_ batch: TacotronBatch) {
        let (B, N, E, A) = (batch.size, batch.maxTokens, dimensions.encoder, dimensions.attention)
        let kernel = dimensions.encoderKernel
        let p = parameters
        let x0 = workspace.encoderStates[0].pointer
        for b in 0..<B {
            for j in 0..<N {
                let row = x0 + (b * N + j) * E
                if j < batch.tokenLengths[b] {
                    row.update(from: p.embedding.w + Int(batch.tokens[b * N + j]) * E, count: E)
                } else {
                    row.update(repeating: 0, count: E)
                }
            }
        }
        for layer in 0..<dimensions.encoderLayers {
            let input = workspace.encoderStates[layer].pointer
            let output = workspace.encoderStates[layer + 1].pointer
            let columns = workspace.encoderColumns[layer].pointer
            let pre = workspace.encoderPre[layer].pointer
            im2col(input, into: columns, batch: batch, width: E, kernel: kernel)
            for row in 0..<(B * N) { (pre + row * E).update(from: p.convBiases[layer].w, count: E) }
            BLAS.gemm(m: B * N, n: E, k: kernel * E, a: columns, lda: kernel * E, b: p.convWeights[layer].w, ldb: E,
                      beta: 1, c: pre, ldc: E)
            for b in 0..<B {
                for j in 0..<N {
                    let offset = (b * N + j) * E
                    if j < batch.tokenLengths[b] {
                        for e in 0..<E { output[offset + e] = input[offset + e] + max(0, pre[offset + e]) }
                    } else {
                        (output + offset).update(repeating: 0, count: E)
                    }
                }
            }
        }
        let encoded = workspace.encoderStates[dimensions.encoderLayers].pointer
        BLAS.gemm(m: B * N, n: A, k: E, a: encoded, lda: E, b: p.attentionKey.w, ldb: A, beta: 0,
                  c: workspace.keys.pointer, ldc: A)
    }

    /// Backward through keys, convolutions and embedding; `workspace.dEncoder` holds the
    /// gradient with respect to the encoder output and `workspace.dKeys` that of the keys.
    func encoderBackward(_ batch: TacotronBatch) {
        let (B, N, E, A) = (batch.size, batch.maxTokens, dimensions.encoder, dimensions.attention)
        let kernel = dimensions.encoderKernel
        let p = parameters
        let dEncoded = workspace.dEncoder.pointer
        let encoded = workspace.encoderStates[dimensions.encoderLayers].pointer
        BLAS.gemm(transposeA: true, m: E, n: A, k: B * N, a: encoded, lda: E, b: workspace.dKeys.pointer, ldb: A,
                  beta: 1, c: p.attentionKey.g, ldc: A)
        BLAS.gemm(transposeB: true, m: B * N, n: E, k: A, a: workspace.dKeys.pointer, lda: A, b: p.attentionKey.w, ldb: A,
                  beta: 1, c: dEncoded, ldc: E)
        for layer in (0..<dimensions.encoderLayers).reversed() {
            let pre = workspace.encoderPre[layer].pointer
            let dPre = workspace.dEncoderPre.pointer
            let columns = workspace.encoderColumns[layer].pointer
            let dColumns = workspace.dEncoderColumns.pointer
            for index in 0..<(B * N * E) { dPre[index] = pre[index] > 0 ? dEncoded[index] : 0 }
            for b in 0..<B {
                for j in batch.tokenLengths[b]..<N { (dPre + (b * N + j) * E).update(repeating: 0, count: E) }
            }
            BLAS.gemm(transposeA: true, m: kernel * E, n: E, k: B * N, a: columns, lda: kernel * E, b: dPre, ldb: E,
                      beta: 1, c: p.convWeights[layer].g, ldc: E)
            addColumnSums(dPre, rows: B * N, columns: E, into: p.convBiases[layer].g)
            BLAS.gemm(transposeB: true, m: B * N, n: kernel * E, k: E, a: dPre, lda: E, b: p.convWeights[layer].w,
                      ldb: E, beta: 0, c: dColumns, ldc: kernel * E)
            // The residual path passes dEncoded through unchanged; add the convolution's part.
            col2imAdd(dColumns, into: dEncoded, batch: batch, width: E, kernel: kernel)
        }
        for b in 0..<B {
            for j in 0..<batch.tokenLengths[b] {
                let gradient = p.embedding.g + Int(batch.tokens[b * N + j]) * E
                let source = dEncoded + (b * N + j) * E
                for e in 0..<E { gradient[e] += source[e] }
            }
        }
    }

    /// Rows `(b, j)` of `columns` hold the `kernel` input rows centred on j (zero outside the
    /// utterance), side by side: `B·N × kernel·width`.
    private func im2col(_ input: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>,
                        batch: TacotronBatch, width: Int, kernel: Int) {
        let (B, N, half) = (batch.size, batch.maxTokens, kernel / 2)
        for b in 0..<B {
            let length = batch.tokenLengths[b]
            for j in 0..<N {
                let row = columns + (b * N + j) * kernel * width
                for k in 0..<kernel {
                    let source = j + k - half
                    if j < length, source >= 0, source < length {
                        (row + k * width).update(from: input + (b * N + source) * width, count: width)
                    } else {
                        (row + k * width).update(repeating: 0, count: width)
                    }
                }
            }
        }
    }

    /// The adjoint of ``im2col``: scatters column gradients back onto the input rows.
    private func col2imAdd(_ columns: UnsafePointer<Float>, into input: UnsafeMutablePointer<Float>,
                           batch: TacotronBatch, width: Int, kernel: Int) {
        let (B, N, half) = (batch.size, batch.maxTokens, kernel / 2)
        for b in 0..<B {
            let length = batch.tokenLengths[b]
            for j in 0..<length {
                let row = columns + (b * N + j) * kernel * width
                for k in 0..<kernel {
                    let source = j + k - half
                    guard source >= 0, source < length else { continue }
                    let target = input + (b * N + source) * width
                    let gradient = row + k * width
                    for e in 0..<width { target[e] += gradient[e] }
                }
            }
        }
    }
}
