import Foundation
import Testing
import TestScratch

@testable import Training

@Suite("Attention by reference (protocol 2)", .scratch)
struct AttentionBatchFilesTests {
    /// A B×T×N batch whose utterance b is diagonal over its valid `lengths[b]` and padded with
    /// garbage (2s) elsewhere, as the padded output of a Tacotron decoder can be.
    static func paddedDiagonal(_ lengths: [(Int, Int)], frames: Int, tokens: Int) -> [Double] {
        var values = [Double](repeating: 2, count: lengths.count * frames * tokens)
        for (b, (validFrames, validTokens)) in lengths.enumerated() {
            for t in 0..<validFrames {
                for n in 0..<validTokens { values[(b * frames + t) * tokens + n] = n == t * validTokens / validFrames ? 1 : 0 }
            }
        }
        return values
    }

    @Test("a padded batch is cut to each utterance's lengths, gate logits and true alignment with it")
    func cutsToLengths() throws {
        let attention = NumpyArray(shape: [2, 4, 3], values: Self.paddedDiagonal([(4, 3), (2, 2)], frames: 4, tokens: 3).map(Float.init))
        let gates = NumpyArray(shape: [2, 4], values: [-5, -5, -5, 5, -5, 5, 9, 9])
        let truth = NumpyArray(shape: [2, 4], values: [0, 0, 1, 2, 0, 1, -7, -7])
        let samples = try PaddedAttentionBatch(attention: attention, frames: [4, 2], tokens: [3, 2], gateLogits: gates, trueAlignment: truth).samples
        #expect(samples.map(\.frames) == [4, 2] && samples.map(\.tokens) == [3, 2])
        #expect(samples[1].attention == [1, 0, 0, 1] && samples[1].gateLogits == [-5, 5] && samples[1].trueAlignment == [0, 1])
        let validation = ValidationMetrics(step: 1, losses: ["total": 1], samples: samples)
        #expect(throws: Never.self) { try validation.checkReportData() }
    }

    @Test("a batch that does not fit its lengths names the utterance and what would be valid")
    func badShapes() {
        let attention = NumpyArray(shape: [2, 4, 3], values: [Float](repeating: 0, count: 24))
        let cases: [(() throws -> Void, String)] = [
            ({ _ = try PaddedAttentionBatch(attention: attention, frames: [4], tokens: [3, 3]) }, "1 frames lengths for a batch of 2"),
            ({ _ = try PaddedAttentionBatch(attention: attention, frames: [4, 5], tokens: [3, 3]) }, "utterance 1: length 5 frames × 3 tokens is outside the padded 4 × 3"),
            ({ _ = try PaddedAttentionBatch(attention: attention, frames: [4, 0], tokens: [3, 3]) }, "utterance 1"),
            ({ _ = try PaddedAttentionBatch(attention: NumpyArray(shape: [24], values: attention.values)) }, "expected B×T×N"),
            ({ _ = try PaddedAttentionBatch(attention: attention, gateLogits: NumpyArray(shape: [2, 3], values: [Float](repeating: 0, count: 6))) },
             "gate logits has shape [2, 3]; the attention's [2, 4, 3] needs [2, 4]"),
        ]
        for (body, mention) in cases {
            let error = #expect(throws: PaddedAttentionBatch.ShapeError.self) { try body() }
            #expect(error?.description.contains(mention) == true, "\(String(describing: error))")
        }
    }

    @Test("files are read, checked and deleted inside the checkpoint directory; outside it they are left alone")
    func readAndDelete() throws {
        let directory = try Scratch.folder("attention-files")
        let inside = directory + "/validation-0000010-1.attention.npy"
        let outside = try Scratch.folder("attention-elsewhere") + "/a.npy"
        let data = NumpyArrayTests.npy(Self.paddedDiagonal([(3, 2)], frames: 3, tokens: 2), shape: [1, 3, 2], descr: "<f4")
        try data.write(to: URL(fileURLWithPath: inside))
        try data.write(to: URL(fileURLWithPath: outside))
        for (path, kept) in [(inside, false), (outside, true)] {
            let validation = ValidationMetrics(step: 10, losses: ["total": 1], samples: [],
                                               attentionFiles: AttentionBatchFiles(attention: path, frames: [3], tokens: [2]))
            let resolved = validation.resolvingAttentionFiles(deletingWithin: directory)
            #expect(resolved.samples.count == 1 && resolved.attentionFiles == nil && resolved.unreadable == nil)
            #expect(FileManager.default.fileExists(atPath: path) == kept, "\(path)")
        }
    }

    @Test("a missing file, a file that is not .npy, and attention that does not fit become the trainer's fault naming the file; bad files are kept")
    func unreadable() throws {
        let directory = try Scratch.folder("attention-bad")
        let notNumpy = directory + "/junk.npy", wrongShape = directory + "/shape.npy"
        try Data("not numpy".utf8).write(to: URL(fileURLWithPath: notNumpy))
        try NumpyArrayTests.npy([Double](repeating: 0.5, count: 4), shape: [2, 2], descr: "<f4").write(to: URL(fileURLWithPath: wrongShape))
        let cases: [(AttentionBatchFiles, ReportDataError.Kind, String)] = [
            (AttentionBatchFiles(attention: directory + "/missing.npy", frames: [2], tokens: [2]), .unreadable, "missing.npy cannot be read"),
            (AttentionBatchFiles(attention: notNumpy, frames: [2], tokens: [2]), .unreadable, "not a NumPy .npy file"),
            (AttentionBatchFiles(attention: wrongShape, frames: [3], tokens: [2]), .shape, "outside the padded 2 × 2"),
            (AttentionBatchFiles(attention: wrongShape, frames: [2], tokens: [2], gateLogits: directory + "/nogates.npy"), .unreadable, "gate logits file"),
        ]
        for (files, kind, mention) in cases {
            let resolved = ValidationMetrics(step: 40, losses: ["total": 1], samples: [], attentionFiles: files)
                .resolvingAttentionFiles(deletingWithin: directory)
            let error = #expect(throws: ReportDataError.self) { try resolved.checkReportData() }
            #expect(error?.kind == kind && error?.step == 40 && error?.description.contains(mention) == true, "\(String(describing: error))")
        }
        #expect(FileManager.default.fileExists(atPath: notNumpy) && FileManager.default.fileExists(atPath: wrongShape))
    }
}
