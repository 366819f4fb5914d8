/// One utterance's attention: T decoder frames × N tokens, cut to the valid lengths.
///
/// Stored row-major; `rowStride` lets it view a padded matrix without copying (the valid
/// block is the first `frames` rows and `tokens` columns).
public struct AttentionMatrix: Sendable {
    /// The weights, row-major, `rowStride` values per row.
    public let values: [Float]
    /// Valid decoder frames (T).
    public let frames: Int
    /// Valid tokens (N).
    public let tokens: Int
    /// Values per stored row (≥ `tokens`).
    public let rowStride: Int

    /// A problem with the shape of an attention matrix.
    public struct ShapeError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong and what would be valid.
        public let description: String
    }

    /// Views `values` as a `frames`×`tokens` matrix whose rows are `rowStride` apart.
    /// - Throws: ``ShapeError`` when the sizes do not fit the values.
    public init(values: [Float], frames: Int, tokens: Int, rowStride: Int? = nil) throws {
        let stride = rowStride ?? tokens
        guard frames >= 1, tokens >= 1 else {
            throw ShapeError(description: "an attention matrix needs at least 1 frame and 1 token; got \(frames)×\(tokens)")
        }
        guard stride >= tokens else {
            throw ShapeError(description: "row stride \(stride) is shorter than the \(tokens) valid tokens")
        }
        guard (frames - 1) * stride + tokens <= values.count else {
            throw ShapeError(description: "\(frames)×\(tokens) with row stride \(stride) needs \((frames - 1) * stride + tokens) values; got \(values.count)")
        }
        self.values = values
        self.frames = frames
        self.tokens = tokens
        self.rowStride = stride
    }

    /// The weight of token `token` at frame `frame`.
    public subscript(frame: Int, token: Int) -> Float { values[frame * rowStride + token] }
}
