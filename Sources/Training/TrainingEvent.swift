/// What a trainer reports while it runs (DESIGN §3). In a child process each event is one JSON
/// object per line with a `"type"` field; see docs/protocol.md.
public enum TrainingEvent: Sendable, Hashable {
    /// The first line of a worker: who it is, which protocol it speaks, what it can do.
    case hello(WorkerHello)
    /// One optimizer step.
    case step(StepMetrics)
    /// One validation, with attention samples.
    case validation(ValidationMetrics)
    /// A checkpoint was written (its generation is the request's; the tuner sets it).
    case checkpoint(Checkpoint)
    /// Still alive at this step.
    case heartbeat(step: Int)
    /// A log line.
    case log(level: String, message: String)
    /// The step budget is done.
    case finished(step: Int)
    /// A hot-restarting worker (protocol 2) obeyed `restart`: it reloaded the checkpoint and
    /// continues as `generation` after `step` (the checkpoint's step, 0 from scratch).
    case restarted(generation: Int, step: Int)
}

/// One optimizer step's figures.
public struct StepMetrics: Sendable, Hashable, Codable {
    /// The step (1 for the first).
    public var step: Int
    /// Loss components by name; `total` is the optimised loss.
    public var losses: [String: Double]
    /// Global gradient norm before clipping.
    public var gradNorm: Double
    /// Learning rate used.
    public var learningRate: Double
    /// Throughput (frames per second for TTS).
    public var throughput: Double

    /// Creates step figures.
    public init(step: Int, losses: [String: Double], gradNorm: Double, learningRate: Double, throughput: Double) {
        self.step = step
        self.losses = losses
        self.gradNorm = gradNorm
        self.learningRate = learningRate
        self.throughput = throughput
    }

    enum CodingKeys: String, CodingKey {
        case step, losses, throughput
        case gradNorm = "grad_norm"
        case learningRate = "learning_rate"
    }

    /// The optimised loss (`total`, else the sum of the components).
    public var totalLoss: Double { losses["total"] ?? LossComponents.sum(losses) }
}

/// One utterance's attention as the quality analysis needs it.
public struct AttentionSample: Sendable, Hashable, Codable {
    /// Valid decoder frames (T).
    public var frames: Int
    /// Valid tokens (N).
    public var tokens: Int
    /// T×N weights, row-major.
    public var attention: [Float]
    /// Stop logits, one per frame, if the model has a stop token.
    public var gateLogits: [Float]?
    /// The true token of each frame, where known.
    public var trueAlignment: [Int]?

    /// Creates a sample.
    public init(frames: Int, tokens: Int, attention: [Float], gateLogits: [Float]? = nil, trueAlignment: [Int]? = nil) {
        self.frames = frames
        self.tokens = tokens
        self.attention = attention
        self.gateLogits = gateLogits
        self.trueAlignment = trueAlignment
    }

    enum CodingKeys: String, CodingKey {
        case frames, tokens, attention
        case gateLogits = "gate_logits"
        case trueAlignment = "true_alignment"
    }

    /// Decodes the weights and logits as doubles, then rounds them to `Float`: a script that
    /// computes in double precision writes weights such as 1e-50, which Foundation refuses to
    /// decode as `Float` at all (it would drop the whole validation); as a `Float` it is 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        frames = try container.decode(Int.self, forKey: .frames)
        tokens = try container.decode(Int.self, forKey: .tokens)
        attention = try container.decode([Double].self, forKey: .attention).map { Float($0) }
        gateLogits = try container.decodeIfPresent([Double].self, forKey: .gateLogits)?.map { Float($0) }
        trueAlignment = try container.decodeIfPresent([Int].self, forKey: .trueAlignment)
    }
}

/// One validation's figures.
public struct ValidationMetrics: Sendable, Hashable, Codable {
    /// The training step it was taken at.
    public var step: Int
    /// Validation loss components by name; `total` is the validation loss.
    public var losses: [String: Double]
    /// Attention of some validation utterances.
    public var samples: [AttentionSample]
    /// Attention given by reference (protocol 2) and not read yet: the process trainer reads
    /// it into ``samples`` (``resolvingAttentionFiles(deletingWithin:)``).
    public var attentionFiles: AttentionBatchFiles?
    /// Why the attention it referred to could not be read: the report's problem, raised by
    /// ``checkReportData()``.
    public var unreadable: ReportDataError?
    /// The focus rate as the trainer computed it itself, for a trainer that gives no attention
    /// (an adapter reads it from Coqui's `align_error`, 1 − F): alignment is judged by it alone.
    public var focusRate: Double?

    /// Creates validation figures.
    public init(step: Int, losses: [String: Double], samples: [AttentionSample], attentionFiles: AttentionBatchFiles? = nil) {
        self.step = step
        self.losses = losses
        self.samples = samples
        self.attentionFiles = attentionFiles
    }

    enum CodingKeys: String, CodingKey {
        case step, losses, samples
        case attentionFiles = "attention_files"
        case focusRate = "focus_rate"
    }

    /// Decodes a validation; `samples` may be left out when `attention_files` is given.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        step = try container.decode(Int.self, forKey: .step)
        losses = try container.decode([String: Double].self, forKey: .losses)
        attentionFiles = try container.decodeIfPresent(AttentionBatchFiles.self, forKey: .attentionFiles)
        samples = try container.decodeIfPresent([AttentionSample].self, forKey: .samples) ?? []
        focusRate = try container.decodeIfPresent(Double.self, forKey: .focusRate)
        if attentionFiles == nil, !container.contains(.samples) {
            throw DecodingError.keyNotFound(CodingKeys.samples, .init(codingPath: decoder.codingPath,
                debugDescription: "a validation needs 'samples' (attention inline) or 'attention_files' (attention by reference)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(step, forKey: .step)
        try container.encode(losses, forKey: .losses)
        try container.encode(samples, forKey: .samples)
        try container.encodeIfPresent(attentionFiles, forKey: .attentionFiles)
        try container.encodeIfPresent(focusRate, forKey: .focusRate)
    }

    /// The validation with its attention files read into ``samples`` after any inline ones (or,
    /// when they cannot be read, ``unreadable`` set); the files read are deleted when they lie
    /// inside `directory`. A validation without files is returned as it is.
    public func resolvingAttentionFiles(deletingWithin directory: String?) -> ValidationMetrics {
        guard let files = attentionFiles else { return self }
        var resolved = self
        resolved.attentionFiles = nil
        do {
            resolved.samples += try files.load(step: step)
            if let directory { files.remove(within: directory) }
        } catch {
            resolved.unreadable = error
        }
        return resolved
    }

    /// The validation loss (`total`, else the sum of the components).
    public var totalLoss: Double { losses["total"] ?? LossComponents.sum(losses) }
}

/// Sums of loss components.
enum LossComponents {
    /// The components added in name order, never in the dictionary's order (which differs from
    /// process to process), so every process gets the same total to the last bit.
    static func sum(_ losses: [String: Double]) -> Double {
        losses.sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value }
    }
}
