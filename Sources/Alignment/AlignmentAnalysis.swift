#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Computes the alignment metrics of DESIGN §5 for one utterance. Pure: no I/O, no clocks.
public enum AlignmentAnalysis {
    /// The metrics of `attention`, plus the stop error when `gateLogits` (one per valid frame)
    /// are given and the accuracy when `trueAlignment` (a token index per valid frame) is.
    /// - Throws: ``AttentionMatrix/ShapeError`` when the gates or true alignment do not have
    ///   one entry per frame.
    public static func metrics(_ attention: AttentionMatrix, gateLogits: [Float]? = nil,
                               trueAlignment: [Int]? = nil) throws -> AlignmentMetrics {
        let frameCount = attention.frames
        let tokenCount = attention.tokens
        if let gates = gateLogits, gates.count < frameCount {
            throw AttentionMatrix.ShapeError(description: "\(gates.count) gate values for \(frameCount) frames; need one per frame")
        }
        if let truth = trueAlignment, truth.count < frameCount {
            throw AttentionMatrix.ShapeError(description: "a true alignment of \(truth.count) frames for \(frameCount) frames; need one per frame")
        }
        let T = Double(frameCount)
        let N = Double(tokenCount)
        let band = Swift.max(2, Int((0.15 * N).rounded(.up)))
        // One pass over the rows: eight tokens at a time for the column sums and maxima, the row
        // maximum and the entropy terms; then the argmax, the diagonal band and the path metrics.
        let lanes = tokenCount / 8
        let vectorSums = UnsafeMutableBufferPointer<SIMD8<Float>>.allocate(capacity: max(1, lanes))
        let vectorMax = UnsafeMutableBufferPointer<SIMD8<Float>>.allocate(capacity: max(1, lanes))
        let terms = UnsafeMutablePointer<Float>.allocate(capacity: max(8, tokenCount))
        terms.initialize(repeating: 0, count: max(8, tokenCount))
        vectorSums.initialize(repeating: .zero)
        vectorMax.initialize(repeating: .zero)
        defer {
            vectorSums.deallocate()
            terms.deallocate()
            vectorMax.deallocate()
        }
        var columnSums = [Float](repeating: 0, count: tokenCount)
        var columnMax = [Float](repeating: 0, count: tokenCount)
        var focus = 0.0, diagonal = 0.0, entropy = 0.0, drift = 0.0
        var backJumps = 0, skipped = 0, correct = 0
        var previousArgmax = 0

        attention.values.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for t in 0..<frameCount {
                let row = base + t * attention.rowStride
                let raw = UnsafeRawPointer(row)
                var rowMax = SIMD8<Float>(repeating: -.infinity)
                var rowEntropy = SIMD8<Float>.zero
                for lane in 0..<lanes {
                    let v = raw.loadUnaligned(fromByteOffset: lane * 32, as: SIMD8<Float>.self)
                    vectorSums[lane] += v
                    vectorMax[lane] = vectorMax[lane].replacing(with: v, where: v .> vectorMax[lane])
                    rowMax = rowMax.replacing(with: v, where: v .> rowMax)
                }
                // −α·ln α per cell into a scratch row (a loop the compiler vectorises), then summed.
                for j in 0..<(lanes * 8) {
                    let v = row[j]
                    terms[j] = v > 0 ? v * fastLog(v) : 0
                }
                let termsRaw = UnsafeRawPointer(terms)
                for lane in 0..<lanes {
                    rowEntropy -= termsRaw.loadUnaligned(fromByteOffset: lane * 32, as: SIMD8<Float>.self)
                }
                var best = rowMax.max()
                var tailEntropy = 0.0
                for j in (lanes * 8)..<tokenCount {
                    let weight = row[j]
                    columnSums[j] += weight
                    columnMax[j] = Swift.max(columnMax[j], weight)
                    best = Swift.max(best, weight)
                    if weight > 0 { tailEntropy -= Double(weight) * log(Double(weight)) }
                }
                // Ties go to the lowest index.
                var argmax = 0
                while argmax < tokenCount - 1, row[argmax] != best { argmax += 1 }
                focus += Double(best)
                entropy += Double(rowEntropy.sum()) + tailEntropy
                let center = Double(t) * N / T
                let low = Swift.max(0, Int((center - Double(band)).rounded(.up)))
                let high = Swift.min(tokenCount - 1, Int((center + Double(band)).rounded(.down)))
                if low <= high {
                    var inBand: Float = 0
                    for j in low...high { inBand += row[j] }
                    diagonal += Double(inBand)
                }
                let tokenPosition = tokenCount > 1 ? Double(argmax) / (N - 1) : 0
                let framePosition = frameCount > 1 ? Double(t) / (T - 1) : 0
                drift += abs(tokenPosition - framePosition)
                if t > 0 {
                    if argmax < previousArgmax { backJumps += 1 }
                    skipped += Swift.max(0, argmax - previousArgmax - 1)
                }
                if let truth = trueAlignment, abs(argmax - truth[t]) <= 1 { correct += 1 }
                previousArgmax = argmax
            }
        }
        for lane in 0..<lanes {
            for k in 0..<8 {
                columnSums[lane * 8 + k] = vectorSums[lane][k]
                columnMax[lane * 8 + k] = vectorMax[lane][k]
            }
        }

        let missing = columnSums.filter { $0 < 0.5 }.count
        var stopError: Double?
        if let gates = gateLogits {
            let stopFrame = gates.prefix(frameCount).firstIndex { $0 > 0 } ?? frameCount
            stopError = abs(Double(stopFrame) - (T - 1)) / T
        }
        return AlignmentMetrics(
            focusRate: focus / T,
            coverage: columnMax.reduce(0) { $0 + Double($1) } / N,
            diagonality: diagonal / T,
            backJumpRate: frameCount > 1 ? Double(backJumps) / (T - 1) : 0,
            skipRate: Double(skipped) / N,
            missingTokens: Double(missing) / N,
            entropy: tokenCount > 1 ? entropy / T / log(N) : 0,
            drift: drift / T,
            stopError: stopError,
            accuracy: trueAlignment.map { _ in Double(correct) / T })
    }
}
