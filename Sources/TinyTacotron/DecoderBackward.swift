/// Backpropagation through time for the decoder.
///
/// Going backwards over frames, it carries: the gradient of hₜ from the GRU step t+1, of cₜ
/// from the GRU input of step t+1, of αₜ from the location features of step t+1 (the
/// "previous" channel), and the running sum of the gradients of the cumulative channel of all
/// later steps (αₜ is part of every later cumulative sum). Weight gradients that need no
/// recurrence are gathered into one product per weight after the loop.
extension TinyTacotronModel {
    func decoderBackward(_ batch: TacotronBatch) {
        let d = dimensions
        let (B, N, T) = (batch.size, batch.maxTokens, batch.maxFrames)
        let (E, P, H, A, F) = (d.encoder, d.prenet, d.decoder, d.attention, d.locationFilters)
        let (K, K2) = (d.locationKernel, 2 * d.locationKernel)
        let p = parameters
        let ws = workspace
        let rows = T * B
        let width = d.headInput
        let encoded = ws.encoderStates[d.encoderLayers].pointer

        // Heads.
        BLAS.gemm(transposeA: true, m: width, n: d.mels, k: rows, a: ws.headInput.pointer, lda: width,
                  b: ws.dMel.pointer, ldb: d.mels, beta: 1, c: p.melWeight.g, ldc: d.mels)
        addColumnSums(ws.dMel.pointer, rows: rows, columns: d.mels, into: p.melBias.g)
        BLAS.gemvTransposed(m: rows, n: width, a: ws.headInput.pointer, lda: width, x: ws.dStop.pointer, beta: 1,
                            y: p.stopWeight.g)
        for row in 0..<rows { p.stopBias.g[0] += ws.dStop[row] }
        BLAS.gemm(transposeB: true, m: rows, n: width, k: d.mels, a: ws.dMel.pointer, lda: d.mels, b: p.melWeight.w,
                  ldb: d.mels, beta: 0, c: ws.dHeadInput.pointer, ldc: width)
        BLAS.gemm(m: rows, n: width, k: 1, a: ws.dStop.pointer, lda: 1, b: p.stopWeight.w, ldb: width, beta: 1,
                  c: ws.dHeadInput.pointer, ldc: width)

        ws.dHiddenCarry.zero(B * H)
        ws.dContextCarry.zero(B * E)
        ws.dAlignmentPrevious.zero(B * N)
        ws.dCumulativeRunning.zero(B * N)
        ws.dEncoder.zero(B * N * E)
        ws.dKeys.zero(B * N * A)
        let dQuery = ws.dQueryAll.pointer

        for t in (0..<T).reversed() {
            let r0 = t * B
            let weights = ws.alignment.pointer + r0 * N
            let dEnergy = ws.dEnergyAll.pointer + r0 * N * A
            let tanhValues = ws.energyTanh.pointer + r0 * N * A
            let dq = dQuery + r0 * A
            dq.update(repeating: 0, count: B * A)
            dEnergy.update(repeating: 0, count: B * N * A)

            for b in 0..<B {
                let length = batch.tokenLengths[b]
                let dc = ws.dContextCarry.pointer + b * E
                let fromHeads = ws.dHeadInput.pointer + (r0 + b) * width + H
                for e in 0..<E { dc[e] += fromHeads[e] }
                // dα: guided loss, later location features, and the context.
                let dAlpha = ws.dAlignment.pointer + b * N
                for j in 0..<N {
                    let cell = b * N + j
                    dAlpha[j] = j < length
                        ? ws.dAlignmentGuided[(r0 + b) * N + j] + ws.dAlignmentPrevious[cell] + ws.dCumulativeRunning[cell]
                        : 0
                }
                BLAS.gemv(m: length, n: E, a: encoded + b * N * E, lda: E, x: dc, beta: 1, y: dAlpha)
                // dEnc[b, j] += α[b, j] · dc[b]
                BLAS.gemm(m: length, n: E, k: 1, a: weights + b * N, lda: 1, b: dc, ldb: E, beta: 1,
                          c: ws.dEncoder.pointer + b * N * E, ldc: E)
                // Softmax: de = α ⊙ (dα − ⟨α, dα⟩).
                var inner: Float = 0
                for j in 0..<length { inner += weights[b * N + j] * dAlpha[j] }
                for j in 0..<length {
                    let cell = b * N + j
                    let de = weights[cell] * (dAlpha[j] - inner)
                    let s = tanhValues + cell * A
                    let du = dEnergy + cell * A
                    let dKey = ws.dKeys.pointer + cell * A
                    for a in 0..<A {
                        let value = s[a]
                        let gradient = de * p.attentionV.w[a] * (1 - value * value)
                        p.attentionV.g[a] += value * de
                        du[a] = gradient
                        dq[b * A + a] += gradient
                        dKey[a] += gradient
                    }
                }
            }
            // Location path: dF = dU·W_locᵀ, dColumns = dF·W_convᵀ.
            let dFeatures = ws.dLocationFeaturesAll.pointer + r0 * N * F
            BLAS.gemm(transposeB: true, m: B * N, n: F, k: A, a: dEnergy, lda: A, b: p.locationDense.w, ldb: A,
                      beta: 0, c: dFeatures, ldc: F)
            BLAS.gemm(transposeB: true, m: B * N, n: K2, k: F, a: dFeatures, lda: F, b: p.locationConv.w, ldb: F,
                      beta: 0, c: ws.dLocationColumns.pointer, ldc: K2)
            ws.dAlignmentPrevious.zero(B * N)
            for b in 0..<B {
                let length = batch.tokenLengths[b]
                for j in 0..<length {
                    let row = ws.dLocationColumns.pointer + (b * N + j) * K2
                    for k in 0..<K {
                        let source = j + k - K / 2
                        guard source >= 0, source < length else { continue }
                        ws.dAlignmentPrevious[b * N + source] += row[k]
                        ws.dCumulativeRunning[b * N + source] += row[K + k]
                    }
                }
            }
            // Query: dQin = dq·W_qᵀ; then the whole gradient of hₜ.
            BLAS.gemm(transposeB: true, m: B, n: H, k: A, a: dq, lda: A, b: p.attentionQuery.w, ldb: A, beta: 0,
                      c: ws.dQueryInput.pointer, ldc: H)
            let dGI = ws.dGateInput.pointer + r0 * 3 * H
            let dGH = ws.dGateHidden.pointer + r0 * 3 * H
            for b in 0..<B {
                let row = r0 + b
                for u in 0..<H {
                    let index = row * H + u
                    let dh = ws.dHiddenCarry[b * H + u]
                        + ws.dHeadInput[row * width + u] * ws.outputMask[index]
                        + ws.dQueryInput[b * H + u] * ws.queryMask[index]
                    let (reset, update, candidate) = (ws.resetGate[index], ws.updateGate[index], ws.candidate[index])
                    let previous: Float = t > 0 ? ws.hidden[index - B * H] : 0
                    let dCandidate = dh * (1 - update) * (1 - candidate * candidate)
                    let dUpdate = dh * (previous - candidate) * update * (1 - update)
                    let dReset = dCandidate * ws.hiddenCandidatePart[index] * reset * (1 - reset)
                    dGI[b * 3 * H + u] = dReset
                    dGI[b * 3 * H + H + u] = dUpdate
                    dGI[b * 3 * H + 2 * H + u] = dCandidate
                    dGH[b * 3 * H + u] = dReset
                    dGH[b * 3 * H + H + u] = dUpdate
                    dGH[b * 3 * H + 2 * H + u] = dCandidate * reset
                    ws.dHidden[b * H + u] = dh * update
                }
            }
            // Carries to frame t−1.
            ws.dHiddenCarry.pointer.update(from: ws.dHidden.pointer, count: B * H)
            BLAS.gemm(transposeB: true, m: B, n: H, k: 3 * H, a: dGH, lda: 3 * H, b: p.gruHidden.w, ldb: 3 * H, beta: 1,
                      c: ws.dHiddenCarry.pointer, ldc: H)
            BLAS.gemm(transposeB: true, m: B, n: E, k: 3 * H, a: dGI, lda: 3 * H, b: p.gruInputContext.w, ldb: 3 * H,
                      beta: 0, c: ws.dContextCarry.pointer, ldc: E)
        }

        // Weight gradients gathered over all frames.
        BLAS.gemm(transposeA: true, m: H, n: A, k: rows, a: ws.queryInput.pointer, lda: H, b: dQuery, ldb: A, beta: 1,
                  c: p.attentionQuery.g, ldc: A)
        BLAS.gemm(transposeA: true, m: F, n: A, k: rows * N, a: ws.locationFeatures.pointer, lda: F,
                  b: ws.dEnergyAll.pointer, ldb: A, beta: 1, c: p.locationDense.g, ldc: A)
        BLAS.gemm(transposeA: true, m: K2, n: F, k: rows * N, a: ws.locationColumns.pointer, lda: K2,
                  b: ws.dLocationFeaturesAll.pointer, ldb: F, beta: 1, c: p.locationConv.g, ldc: F)
        addColumnSums(ws.dEnergyAll.pointer, rows: rows * N, columns: A, into: p.attentionBias.g)
        if T > 1 {
            BLAS.gemm(transposeA: true, m: H, n: 3 * H, k: (T - 1) * B, a: ws.hidden.pointer, lda: H,
                      b: ws.dGateHidden.pointer + B * 3 * H, ldb: 3 * H, beta: 1, c: p.gruHidden.g, ldc: 3 * H)
            BLAS.gemm(transposeA: true, m: E, n: 3 * H, k: (T - 1) * B, a: ws.context.pointer, lda: E,
                      b: ws.dGateInput.pointer + B * 3 * H, ldb: 3 * H, beta: 1, c: p.gruInputContext.g, ldc: 3 * H)
        }
        addColumnSums(ws.dGateHidden.pointer, rows: rows, columns: 3 * H, into: p.gruHiddenBias.g)
        addColumnSums(ws.dGateInput.pointer, rows: rows, columns: 3 * H, into: p.gruInputBias.g)
        BLAS.gemm(transposeA: true, m: P, n: 3 * H, k: rows, a: ws.prenetOut2.pointer, lda: P, b: ws.dGateInput.pointer,
                  ldb: 3 * H, beta: 1, c: p.gruInputPrenet.g, ldc: 3 * H)
        BLAS.gemm(transposeB: true, m: rows, n: P, k: 3 * H, a: ws.dGateInput.pointer, lda: 3 * H, b: p.gruInputPrenet.w,
                  ldb: 3 * H, beta: 0, c: ws.dPrenet2.pointer, ldc: P)
    }
}
