#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The decoder, frame by frame: a GRU over [prenet(previous frame); previous context], then
/// location-sensitive attention queried by the new state, then (for all frames at once, since
/// teacher forcing makes the heads non-recurrent) the mel and stop heads.
///
/// Per frame t, for each utterance b:
///   gᵢ = Pₜ·W_ip + b_ih + cₜ₋₁·W_ic,  gₕ = hₜ₋₁·W_hh + b_hh
///   r = σ(gᵢʳ + gₕʳ), z = σ(gᵢᶻ + gₕᶻ), n = tanh(gᵢⁿ + r ⊙ gₕⁿ), hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁
///   q = (hₜ ⊙ dropout)·W_q,  fₜ = conv([αₜ₋₁; Σ_{s<t} α_s])·W_conv,  lₜ = fₜ·W_loc
///   eₜⱼ = v · tanh(q + kⱼ + lₜⱼ + b_att) (masked past the text),  αₜ = softmax(eₜ),  cₜ = Σⱼ αₜⱼ encⱼ
extension TinyTacotronModel {
    func decoderForward(_ batch: TacotronBatch, training: Bool) {
        let d = dimensions
        let (B, N, T) = (batch.size, batch.maxTokens, batch.maxFrames)
        let (E, P, H, A, F) = (d.encoder, d.prenet, d.decoder, d.attention, d.locationFilters)
        let (K, K2) = (d.locationKernel, 2 * d.locationKernel)
        let p = parameters
        let ws = workspace
        let rows = T * B
        let encoded = ws.encoderStates[d.encoderLayers].pointer

        // The prenet part of the GRU input gates, for every frame in one product.
        for row in 0..<rows { (ws.gateInputPrenet.pointer + row * 3 * H).update(from: p.gruInputBias.w, count: 3 * H) }
        BLAS.gemm(m: rows, n: 3 * H, k: P, a: ws.prenetOut2.pointer, lda: P, b: p.gruInputPrenet.w, ldb: 3 * H,
                  beta: 1, c: ws.gateInputPrenet.pointer, ldc: 3 * H)
        ws.cumulative.pointer.update(repeating: 0, count: B * N)

        for t in 0..<T {
            let r0 = t * B
            let gi = ws.gateScratch.pointer
            let gh = ws.hiddenGateScratch.pointer
            gi.update(from: ws.gateInputPrenet.pointer + r0 * 3 * H, count: B * 3 * H)
            for b in 0..<B { (gh + b * 3 * H).update(from: p.gruHiddenBias.w, count: 3 * H) }
            if t > 0 {
                BLAS.gemm(m: B, n: 3 * H, k: E, a: ws.context.pointer + (r0 - B) * E, lda: E, b: p.gruInputContext.w,
                          ldb: 3 * H, beta: 1, c: gi, ldc: 3 * H)
                BLAS.gemm(m: B, n: 3 * H, k: H, a: ws.hidden.pointer + (r0 - B) * H, lda: H, b: p.gruHidden.w,
                          ldb: 3 * H, beta: 1, c: gh, ldc: 3 * H)
            }
            for b in 0..<B {
                let row = r0 + b
                let giRow = gi + b * 3 * H, ghRow = gh + b * 3 * H
                for u in 0..<H {
                    let reset = sigmoid(giRow[u] + ghRow[u])
                    let update = sigmoid(giRow[H + u] + ghRow[H + u])
                    let part = ghRow[2 * H + u]
                    let candidate = tanhf(giRow[2 * H + u] + reset * part)
                    let previous: Float = t > 0 ? ws.hidden[(row - B) * H + u] : 0
                    let index = row * H + u
                    ws.resetGate[index] = reset
                    ws.updateGate[index] = update
                    ws.hiddenCandidatePart[index] = part
                    ws.candidate[index] = candidate
                    let h = (1 - update) * candidate + update * previous
                    ws.hidden[index] = h
                    ws.queryInput[index] = h * ws.queryMask[index]
                }
            }
            BLAS.gemm(m: B, n: A, k: H, a: ws.queryInput.pointer + r0 * H, lda: H, b: p.attentionQuery.w, ldb: A,
                      beta: 0, c: ws.query.pointer, ldc: A)

            // Location features from the previous and cumulative attention.
            let cumulative = ws.cumulative.pointer + r0 * N
            let columns = ws.locationColumns.pointer + r0 * N * K2
            let features = ws.locationFeatures.pointer + r0 * N * F
            for b in 0..<B {
                let length = batch.tokenLengths[b]
                let previous: UnsafeMutablePointer<Float>? = t > 0 ? ws.alignment.pointer + (r0 - B + b) * N : nil
                for j in 0..<N {
                    let row = columns + (b * N + j) * K2
                    for k in 0..<K {
                        let source = j + k - K / 2
                        if j < length, source >= 0, source < length {
                            row[k] = previous?[source] ?? 0
                            row[K + k] = cumulative[b * N + source]
                        } else {
                            row[k] = 0
                            row[K + k] = 0
                        }
                    }
                }
            }
            BLAS.gemm(m: B * N, n: F, k: K2, a: columns, lda: K2, b: p.locationConv.w, ldb: F, beta: 0,
                      c: features, ldc: F)
            BLAS.gemm(m: B * N, n: A, k: F, a: features, lda: F, b: p.locationDense.w, ldb: A, beta: 0,
                      c: ws.locationProjection.pointer, ldc: A)

            // Energies, masked softmax, context.
            let tanhValues = ws.energyTanh.pointer + r0 * N * A
            let weights = ws.alignment.pointer + r0 * N
            for b in 0..<B {
                let length = batch.tokenLengths[b]
                let query = ws.query.pointer + b * A
                var largest = -Float.greatestFiniteMagnitude
                for j in 0..<N {
                    let cell = b * N + j
                    guard j < length else {
                        ws.energy[cell] = Self.maskedEnergy
                        continue
                    }
                    let key = ws.keys.pointer + cell * A
                    let location = ws.locationProjection.pointer + cell * A
                    let s = tanhValues + cell * A
                    var energy: Float = 0
                    for a in 0..<A {
                        let value = tanhf(query[a] + key[a] + location[a] + p.attentionBias.w[a])
                        s[a] = value
                        energy += value * p.attentionV.w[a]
                    }
                    ws.energy[cell] = energy
                    largest = max(largest, energy)
                }
                var total: Float = 0
                let row = weights + b * N
                for j in 0..<N {
                    let value = expf(ws.energy[b * N + j] - largest)
                    row[j] = value
                    total += value
                }
                let scale = 1 / total
                for j in 0..<N { row[j] *= scale }
                BLAS.gemvTransposed(m: length, n: E, a: encoded + b * N * E, lda: E, x: row, beta: 0,
                                    y: ws.context.pointer + (r0 + b) * E)
            }
            if t + 1 < T {
                let next = ws.cumulative.pointer + (r0 + B) * N
                for cell in 0..<(B * N) { next[cell] = cumulative[cell] + weights[cell] }
            }
        }

        // Heads: [h ⊙ dropout; c] → mel frame and stop logit.
        let width = d.headInput
        for row in 0..<rows {
            let target = ws.headInput.pointer + row * width
            for u in 0..<H { target[u] = ws.hidden[row * H + u] * ws.outputMask[row * H + u] }
            (target + H).update(from: ws.context.pointer + row * E, count: E)
        }
        for row in 0..<rows { (ws.mel.pointer + row * d.mels).update(from: p.melBias.w, count: d.mels) }
        BLAS.gemm(m: rows, n: d.mels, k: width, a: ws.headInput.pointer, lda: width, b: p.melWeight.w, ldb: d.mels,
                  beta: 1, c: ws.mel.pointer, ldc: d.mels)
        ws.stop.pointer.update(repeating: p.stopBias.w[0], count: rows)
        BLAS.gemv(m: rows, n: width, a: ws.headInput.pointer, lda: width, x: p.stopWeight.w, beta: 1, y: ws.stop.pointer)
    }
}

@inline(__always)
func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
