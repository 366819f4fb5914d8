/// A validation batch as Tacotron code has it — attention padded to B × T × N, gate logits to
/// B × T, true alignments to B × T — with each utterance's valid lengths, cut into
/// ``AttentionSample``s. The one rule for padded batches: the worker protocol's attention files
/// and `smart-tuner analyze` both use it.
public struct PaddedAttentionBatch: Sendable {
    /// Each utterance cut to its valid frames and tokens.
    public let samples: [AttentionSample]

    /// A batch that does not fit its lengths, naming the utterance when one is at fault.
    public struct ShapeError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The utterance (from 0), or `nil` for the batch as a whole.
        public let sample: Int?
        /// What is wrong and what would be valid.
        public let problem: String
        public var description: String { (sample.map { "utterance \($0): " } ?? "") + problem }
    }

    /// Cuts `attention` (B×T×N, or T×N for one utterance) to `frames[b]` × `tokens[b]` per
    /// utterance; `gateLogits` (B×T) and `trueAlignment` (B×T token indices) to `frames[b]`.
    /// Without lengths, each utterance is the whole padded matrix.
    public init(attention: NumpyArray, frames: [Int]? = nil, tokens: [Int]? = nil,
                gateLogits: NumpyArray? = nil, trueAlignment: NumpyArray? = nil) throws(ShapeError) {
        let shape = attention.shape
        let (batch, maxFrames, maxTokens): (Int, Int, Int)
        switch shape.count {
        case 2: (batch, maxFrames, maxTokens) = (1, shape[0], shape[1])
        case 3: (batch, maxFrames, maxTokens) = (shape[0], shape[1], shape[2])
        default: throw ShapeError(sample: nil, problem: "attention has shape \(shape); expected B×T×N (or T×N for one utterance)")
        }
        guard batch >= 1, maxFrames >= 1, maxTokens >= 1 else {
            throw ShapeError(sample: nil, problem: "attention has shape \(shape); every dimension must be at least 1")
        }
        for (name, lengths) in [("frames", frames), ("tokens", tokens)] {
            if let lengths, lengths.count != batch {
                throw ShapeError(sample: nil, problem: "\(lengths.count) \(name) lengths for a batch of \(batch); give one per utterance")
            }
        }
        func perFrame(_ array: NumpyArray?, _ name: String) throws(ShapeError) {
            guard let array else { return }
            let expected = shape.count == 2 ? [maxFrames] : [batch, maxFrames]
            guard array.shape == expected || (shape.count == 2 && array.shape == [1, maxFrames]) else {
                throw ShapeError(sample: nil, problem: "\(name) has shape \(array.shape); the attention's \(shape) needs \(expected) (one entry per padded frame)")
            }
        }
        try perFrame(gateLogits, "gate logits")
        try perFrame(trueAlignment, "the true alignment")
        var samples: [AttentionSample] = []
        samples.reserveCapacity(batch)
        for b in 0..<batch {
            let (validFrames, validTokens) = (frames?[b] ?? maxFrames, tokens?[b] ?? maxTokens)
            guard (1...maxFrames).contains(validFrames), (1...maxTokens).contains(validTokens) else {
                throw ShapeError(sample: b, problem: "length \(validFrames) frames × \(validTokens) tokens is outside the padded \(maxFrames) × \(maxTokens)")
            }
            var weights = [Float]()
            weights.reserveCapacity(validFrames * validTokens)
            let base = b * maxFrames * maxTokens
            for frame in 0..<validFrames {
                let row = base + frame * maxTokens
                weights.append(contentsOf: attention.values[row..<(row + validTokens)])
            }
            let frameRange = (b * maxFrames)..<(b * maxFrames + validFrames)
            let gates = gateLogits.map { Array($0.values[frameRange]) }
            var truth: [Int]?
            if let trueAlignment {
                truth = []
                for value in trueAlignment.values[frameRange] {
                    // A token index must be a whole number in Int's range; anything else is out
                    // of range for the report-data check (never a trap on conversion).
                    truth?.append(value.isFinite && value == value.rounded() && abs(value) < 1e9 ? Int(value) : -1)
                }
            }
            samples.append(AttentionSample(frames: validFrames, tokens: validTokens, attention: weights,
                                           gateLogits: gates, trueAlignment: truth))
        }
        self.samples = samples
    }
}
