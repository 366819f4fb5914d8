import Alignment
import Foundation
import Training

/// Alignment metrics for attention saved by any framework: a 2-D T×N matrix or a 3-D B×T×N
/// batch in a `.npy` file, each utterance cut to its valid lengths.
public struct AttentionFileAnalysis: Sendable, Codable {
    /// Metrics per utterance.
    public let utterances: [AlignmentMetrics]
    /// The batch mean.
    public let mean: AlignmentMetrics

    /// A problem with the request, saying what would be valid.
    public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The message.
        public let description: String
    }

    /// Analyses `array`. `lengths` gives each utterance's valid (frames, tokens); without it the
    /// whole matrix counts.
    public init(_ array: NumpyArray, lengths: [(frames: Int, tokens: Int)]? = nil) throws {
        let batch: PaddedAttentionBatch
        do {
            batch = try PaddedAttentionBatch(attention: array, frames: lengths?.map(\.frames), tokens: lengths?.map(\.tokens))
        } catch {
            throw InputError(description: error.description)
        }
        utterances = try batch.samples.map { sample in
            try AlignmentAnalysis.metrics(AttentionMatrix(values: sample.attention, frames: sample.frames, tokens: sample.tokens))
        }
        mean = AlignmentMetrics.mean(of: utterances) ?? utterances[0]
    }

    /// Parses `--lengths` text: comma-separated `frames:tokens` pairs, e.g. `80:12,95:15`.
    public static func parseLengths(_ text: String) throws -> [(frames: Int, tokens: Int)] {
        try text.split(separator: ",").map { pair in
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let frames = Int(parts[0]), let tokens = Int(parts[1]) else {
                throw InputError(description: "length '\(pair)' must be frames:tokens, e.g. 80:12")
            }
            return (frames, tokens)
        }
    }
}
