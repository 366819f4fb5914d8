import Foundation
import Testing

@testable import Alignment

@Suite("Alignment metrics (DESIGN §5)")
struct AlignmentMetricsTests {
    private func matrix(_ rows: [[Float]]) throws -> AttentionMatrix {
        try AttentionMatrix(values: rows.flatMap { $0 }, frames: rows.count, tokens: rows[0].count)
    }

    @Test("a perfect diagonal: full focus and coverage, nothing missing, no jumps, no drift")
    func diagonal() throws {
        let identity = (0..<4).map { t in (0..<4).map { $0 == t ? Float(1) : 0 } }
        let m = try AlignmentAnalysis.metrics(try matrix(identity), gateLogits: [-5, -5, -5, 3], trueAlignment: [0, 1, 2, 3])
        #expect(m.focusRate == 1 && m.coverage == 1 && m.diagonality == 1)
        #expect(m.backJumpRate == 0 && m.skipRate == 0 && m.missingTokens == 0)
        #expect(m.entropy == 0 && m.drift == 0)
        #expect(m.stopError == 0 && m.accuracy == 1)
    }

    @Test("uniform attention: focus 1/N, entropy 1, every token's weight T/N")
    func uniform() throws {
        let rows = Array(repeating: [Float](repeating: 0.25, count: 4), count: 2)
        let m = try AlignmentAnalysis.metrics(try matrix(rows))
        #expect(abs(m.focusRate - 0.25) < 1e-9)
        #expect(abs(m.entropy - 1) < 1e-6)
        #expect(m.missingTokens == 0)  // each column sums to 0.5, which is not below 0.5
        #expect(abs(m.coverage - 0.25) < 1e-9)
        // Ties go to the lowest index: the argmax path is 0, 0.
        #expect(m.backJumpRate == 0 && m.skipRate == 0)
        // δ = (|0 − 0| + |0 − 1|) / 2
        #expect(abs(m.drift - 0.5) < 1e-9)
    }

    @Test("back-jumps, skips and missing tokens are counted as defined")
    func jumps() throws {
        // argmax path: 0, 3, 1, 4 over N = 5 tokens.
        let rows: [[Float]] = [
            [0.9, 0.1, 0, 0, 0], [0, 0, 0.2, 0.8, 0], [0, 0.7, 0.3, 0, 0], [0, 0, 0, 0.1, 0.9],
        ]
        let m = try AlignmentAnalysis.metrics(try matrix(rows), trueAlignment: [0, 1, 2, 3])
        #expect(abs(m.backJumpRate - 1.0 / 3) < 1e-9)           // 3 → 1
        #expect(abs(m.skipRate - (2.0 + 2.0) / 5) < 1e-9)       // 0→3 skips 2, 1→4 skips 2
        // Column sums: 0.9, 0.8, 0.5, 0.9, 0.9: none below 0.5.
        #expect(m.missingTokens == 0)
        #expect(abs(m.focusRate - (0.9 + 0.8 + 0.7 + 0.9) / 4) < 1e-6)
        // ±1 accuracy: |0−0|, |3−1|, |1−2|, |4−3| → 3 of 4.
        #expect(m.accuracy == 0.75)
        let missing = try AlignmentAnalysis.metrics(try matrix([[1, 0, 0], [1, 0, 0], [0, 0.6, 0.4]]))
        #expect(abs(missing.missingTokens - 1.0 / 3) < 1e-9)  // token 2 has 0.4
    }

    @Test("diagonality counts the band |j − t·N/T| ≤ max(2, ⌈0.15·N⌉)")
    func diagonality() throws {
        // T = 2, N = 10: w = 2. Frame 0's band is j ∈ [0, 2]; frame 1's centre is 5, band [3, 7].
        var rows = [[Float]](repeating: [Float](repeating: 0, count: 10), count: 2)
        rows[0][2] = 0.5; rows[0][3] = 0.5
        rows[1][7] = 0.4; rows[1][8] = 0.6
        let m = try AlignmentAnalysis.metrics(try matrix(rows))
        #expect(abs(m.diagonality - (0.5 + 0.4) / 2) < 1e-6)
    }

    @Test("stop error: first frame with σ(gate) > 0.5, or T if none")
    func stopError() throws {
        let rows = Array(repeating: [Float(1)], count: 5)
        #expect(try AlignmentAnalysis.metrics(try matrix(rows), gateLogits: [-1, 2, -1, -1, -1]).stopError == 3.0 / 5)
        #expect(try AlignmentAnalysis.metrics(try matrix(rows), gateLogits: [-1, -1, -1, -1, -1]).stopError == 1.0 / 5)
        #expect(try AlignmentAnalysis.metrics(try matrix(rows), gateLogits: [-1, -1, -1, -1, 0.1]).stopError == 0)
    }

    @Test("degenerate sizes: one frame or one token")
    func degenerate() throws {
        let single = try AlignmentAnalysis.metrics(try matrix([[0.3, 0.7]]))
        #expect(single.backJumpRate == 0 && single.drift == 1)  // |1/(2−1) − 0| with the frame term 0
        let oneToken = try AlignmentAnalysis.metrics(try matrix([[1], [1], [1]]))
        #expect(oneToken.entropy == 0 && oneToken.focusRate == 1)
        #expect(abs(oneToken.drift - (0 + 0.5 + 1) / 3) < 1e-9)
    }

    @Test("a padded matrix can be viewed through its row stride")
    func strided() throws {
        let padded: [Float] = [1, 0, 9, 9, 0, 1, 9, 9]
        let view = try AttentionMatrix(values: padded, frames: 2, tokens: 2, rowStride: 4)
        let m = try AlignmentAnalysis.metrics(view)
        #expect(m.focusRate == 1 && m.coverage == 1 && m.missingTokens == 0)
    }

    @Test("bad shapes are refused with a clear error")
    func badShapes() {
        #expect(throws: AttentionMatrix.ShapeError.self) { try AttentionMatrix(values: [1, 2, 3], frames: 2, tokens: 2) }
        #expect(throws: AttentionMatrix.ShapeError.self) { try AttentionMatrix(values: [], frames: 0, tokens: 3) }
        #expect(throws: AttentionMatrix.ShapeError.self) { try AttentionMatrix(values: [1, 2], frames: 1, tokens: 2, rowStride: 1) }
        #expect(throws: AttentionMatrix.ShapeError.self) {
            try AlignmentAnalysis.metrics(try AttentionMatrix(values: [1, 1], frames: 2, tokens: 1), gateLogits: [0])
        }
        #expect(throws: AttentionMatrix.ShapeError.self) {
            try AlignmentAnalysis.metrics(try AttentionMatrix(values: [1, 1], frames: 2, tokens: 1), trueAlignment: [0])
        }
    }

    @Test("JSON uses the metric names of DESIGN §5, and batch means average what is present")
    func namesAndMeans() throws {
        let a = AlignmentMetrics(focusRate: 1, coverage: 1, diagonality: 1, backJumpRate: 0, skipRate: 0, missingTokens: 0,
                                 entropy: 0, drift: 0, stopError: 0.2, accuracy: nil)
        let b = AlignmentMetrics(focusRate: 0.5, coverage: 0.5, diagonality: 0.5, backJumpRate: 0.5, skipRate: 0.5,
                                 missingTokens: 0.5, entropy: 0.5, drift: 0.5, stopError: nil, accuracy: 0.8)
        let mean = try #require(AlignmentMetrics.mean(of: [a, b]))
        #expect(mean.focusRate == 0.75 && mean.stopError == 0.2 && mean.accuracy == 0.8)
        #expect(AlignmentMetrics.mean(of: []) == nil)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(mean)) as? [String: Any]
        #expect(Set(json?.keys.map { $0 } ?? []) == ["focus_rate", "coverage", "diagonality", "back_jump_rate", "skip_rate",
                                                     "missing_tokens", "entropy", "drift", "stop_error", "accuracy"])
    }
}
