import Alignment
import Foundation

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
        let (batch, frames, tokens): (Int, Int, Int)
        switch array.shape.count {
        case 2: (batch, frames, tokens) = (1, array.shape[0], array.shape[1])
        case 3: (batch, frames, tokens) = (array.shape[0], array.shape[1], array.shape[2])
        default:
            throw InputError(description: "the array has shape \(array.shape); expected T×N or B×T×N")
        }
        guard batch >= 1, frames >= 1, tokens >= 1 else {
            throw InputError(description: "the array has shape \(array.shape); every dimension must be at least 1")
        }
        if let lengths, lengths.count != batch {
            throw InputError(description: "\(lengths.count) lengths given for \(batch) utterances; give one frames:tokens pair per utterance")
        }
        var results: [AlignmentMetrics] = []
        for b in 0..<batch {
            let (validFrames, validTokens) = lengths?[b] ?? (frames, tokens)
            guard (1...frames).contains(validFrames), (1...tokens).contains(validTokens) else {
                throw InputError(description: "utterance \(b): length \(validFrames):\(validTokens) is outside the array's \(frames):\(tokens)")
            }
            let start = b * frames * tokens
            let matrix = try AttentionMatrix(values: Array(array.values[start..<(start + frames * tokens)]),
                                             frames: validFrames, tokens: validTokens, rowStride: tokens)
            results.append(try AlignmentAnalysis.metrics(matrix))
        }
        utterances = results
        mean = AlignmentMetrics.mean(of: results) ?? results[0]
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
