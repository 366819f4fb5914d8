import Foundation
import Testing

@testable import Alignment

/// The fast implementation (eight tokens at a time, a polynomial logarithm) against a literal
/// transcription of DESIGN §5 in Double, on random matrices of awkward sizes.
@Suite("Metrics against a reference transcription")
struct ReferenceComparisonTests {
    struct LCG {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1.0p-53
        }
    }

    static func reference(_ a: [[Double]]) -> [String: Double] {
        let T = a.count, N = a[0].count
        let argmax = a.map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0 }
        let w = max(2, Int((0.15 * Double(N)).rounded(.up)))
        var diagonal = 0.0, entropy = 0.0, drift = 0.0
        for t in 0..<T {
            for j in 0..<N where abs(Double(j) - Double(t) * Double(N) / Double(T)) <= Double(w) { diagonal += a[t][j] }
            if N > 1 { entropy += -a[t].filter { $0 > 0 }.map { $0 * log($0) }.reduce(0, +) / log(Double(N)) }
            drift += abs((N > 1 ? Double(argmax[t]) / Double(N - 1) : 0) - (T > 1 ? Double(t) / Double(T - 1) : 0))
        }
        let columnSums: [Double] = (0..<N).map { j in a.reduce(0.0) { $0 + $1[j] } }
        let rowMaxima: [Double] = a.map { $0.max() ?? 0 }
        let columnMaxima: [Double] = (0..<N).map { j in a.map { $0[j] }.max() ?? 0 }
        var backJumps = 0, skips = 0
        for t in 1..<max(T, 1) {
            if argmax[t] < argmax[t - 1] { backJumps += 1 }
            skips += max(0, argmax[t] - argmax[t - 1] - 1)
        }
        var result: [String: Double] = [:]
        result["focus_rate"] = rowMaxima.reduce(0, +) / Double(T)
        result["coverage"] = columnMaxima.reduce(0, +) / Double(N)
        result["diagonality"] = diagonal / Double(T)
        result["back_jump_rate"] = T > 1 ? Double(backJumps) / Double(T - 1) : 0
        result["skip_rate"] = Double(skips) / Double(N)
        result["missing_tokens"] = Double(columnSums.filter { $0 < 0.5 }.count) / Double(N)
        result["entropy"] = entropy / Double(T)
        result["drift"] = drift / Double(T)
        return result
    }

    @Test("equal to the reference within float precision", arguments: [(7, 3), (50, 8), (37, 21), (120, 16), (200, 45), (1, 9)])
    func matchesReference(frames: Int, tokens: Int) throws {
        var rng = LCG(state: UInt64(frames * 1_000 + tokens))
        var rows: [[Double]] = []
        for t in 0..<frames {
            var row = (0..<tokens).map { j -> Double in
                let distance = Double(j) - Double(t * tokens) / Double(frames)
                return rng.next() < 0.2 ? 0 : exp(-distance * distance / 3) * rng.next()
            }
            if row.allSatisfy({ $0 == 0 }) { row[0] = 1 }
            let sum = row.reduce(0, +)
            rows.append(row.map { Double(Float($0 / sum)) })
        }
        let fast = try AlignmentAnalysis.metrics(try AttentionMatrix(values: rows.flatMap { $0.map(Float.init) },
                                                                     frames: frames, tokens: tokens))
        let expected = Self.reference(rows)
        let actual = ["focus_rate": fast.focusRate, "coverage": fast.coverage, "diagonality": fast.diagonality,
                      "back_jump_rate": fast.backJumpRate, "skip_rate": fast.skipRate, "missing_tokens": fast.missingTokens,
                      "entropy": fast.entropy, "drift": fast.drift]
        for (name, value) in expected {
            #expect(abs((actual[name] ?? .nan) - value) < 1e-5, "\(name): \(actual[name] ?? .nan) vs \(value)")
        }
    }
}
