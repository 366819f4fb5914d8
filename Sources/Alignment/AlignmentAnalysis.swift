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
        var columnSums = [Double](repeating: 0, count: tokenCount)
        var columnMax = [Float](repeating: 0, count: tokenCount)
        var focus = 0.0, diagonal = 0.0, entropy = 0.0, drift = 0.0
        var backJumps = 0, skipped = 0, correct = 0
        var previousArgmax = 0

        attention.values.withUnsafeBufferPointer { values in
            for t in 0..<frameCount {
                let row = UnsafeBufferPointer(rebasing: values[(t * attention.rowStride)..<(t * attention.rowStride + tokenCount)])
                var best: Float = -.infinity
                var argmax = 0
                var rowEntropy = 0.0
                for j in 0..<tokenCount {
                    let weight = row[j]
                    if weight > best { best = weight; argmax = j }
                    columnSums[j] += Double(weight)
                    if weight > columnMax[j] { columnMax[j] = weight }
                    if weight > 0 { rowEntropy -= Double(weight) * log(Double(weight)) }
                }
                focus += Double(best)
                entropy += rowEntropy
                let center = Double(t) * N / T
                let low = Swift.max(0, Int((center - Double(band)).rounded(.up)))
                let high = Swift.min(tokenCount - 1, Int((center + Double(band)).rounded(.down)))
                if low <= high { for j in low...high { diagonal += Double(row[j]) } }
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
