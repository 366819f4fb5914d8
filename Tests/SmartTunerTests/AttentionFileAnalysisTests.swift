import Foundation
import Testing
import TestScratch

@testable import SmartTuner

@Suite("Attention files analysed", .scratch)
struct AttentionFileAnalysisTests {
    /// A `.npy` file (version 1) of float32 `values` with `shape`.
    static func npy(_ values: [Double], shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for value in values { withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    @Test("a batch is analysed per utterance within its valid lengths, with a batch mean")
    func batchAnalysis() throws {
        // Utterance 0: identity 3×3. Utterance 1: valid 2×2 identity inside padding.
        let values: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1,
                                1, 0, 0, 0, 1, 0, 0.3, 0.3, 0.4]
        let array = try NumpyArray(npy: Self.npy(values, shape: [2, 3, 3]))
        let analysis = try AttentionFileAnalysis(array, lengths: try AttentionFileAnalysis.parseLengths("3:3,2:2"))
        #expect(analysis.utterances.count == 2)
        #expect(analysis.utterances.allSatisfy { $0.focusRate == 1 && $0.missingTokens == 0 })
        #expect(analysis.mean.focusRate == 1)
        #expect(throws: AttentionFileAnalysis.InputError.self) { try AttentionFileAnalysis(array, lengths: [(4, 3), (2, 2)]) }
        #expect(throws: AttentionFileAnalysis.InputError.self) { try AttentionFileAnalysis(array, lengths: [(3, 3)]) }
        #expect(throws: AttentionFileAnalysis.InputError.self) { try AttentionFileAnalysis.parseLengths("3x3") }
        #expect(throws: AttentionFileAnalysis.InputError.self) {
            try AttentionFileAnalysis(try NumpyArray(npy: Self.npy([1, 2], shape: [2])))
        }
    }
}
