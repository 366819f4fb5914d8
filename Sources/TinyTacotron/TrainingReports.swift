/// What one optimizer step did.
public struct StepReport: Sendable, Hashable, Codable {
    /// The step just taken (1 for the first).
    public let step: Int
    /// Training losses of its batch.
    public let losses: TacotronLosses
    /// Global gradient norm before clipping.
    public let gradientNorm: Double
    /// The learning rate used.
    public let learningRate: Double
    /// Valid decoder frames processed per second.
    public let framesPerSecond: Double
    /// Achieved GFLOP/s of the step's matrix products (forward and backward).
    public let gflops: Double
}

/// One validation utterance as the quality analysis needs it.
public struct ValidationUtterance: Sendable, Hashable, Codable {
    /// Attention weights, `frames × tokens`, row-major, cut to the valid lengths.
    public let attention: [Float]
    /// Valid decoder frames.
    public let frames: Int
    /// Valid tokens.
    public let tokens: Int
    /// Stop logits, one per frame.
    public let gateLogits: [Float]
    /// The true token index of each frame.
    public let trueAlignment: [Int]
}

/// The result of a validation pass.
public struct ValidationReport: Sendable, Hashable, Codable {
    /// The training step it was taken at.
    public let step: Int
    /// Mean losses over the validation utterances.
    public let losses: TacotronLosses
    /// Attention, gates and true alignment of every validation utterance evaluated.
    public let utterances: [ValidationUtterance]
}

/// A checkpoint written to disk.
public struct CheckpointReport: Sendable, Hashable, Codable {
    /// The `.safetensors` file.
    public let path: String
    /// The step it holds.
    public let step: Int
    /// Hex SHA-256 of the file (also written beside it).
    public let sha256: String
    /// The attention heatmap written beside it, if any.
    public let heatmapPath: String?
    /// Whether every weight it holds is finite (a step with a non-finite gradient leaves NaN
    /// weights behind, and a checkpoint of them must never be resumed from).
    public let weightsFinite: Bool
}
