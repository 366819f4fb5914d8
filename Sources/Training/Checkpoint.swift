/// A checkpoint: the one type every part of SmartTuner uses for it (DESIGN §4) — what a
/// trainer reports, what a trial's record and timeline keep, what the study store and the final
/// training's journal write, and what a resume point is chosen from.
///
/// A trainer fills in what it knows (step, path, SHA-256, heatmap, whether it found the weights
/// finite); the tuner adds the incarnation, the checkpoint's own evaluation and whether the
/// trial was aligned at its step.
public struct Checkpoint: Sendable, Hashable, Codable {
    /// The incarnation that wrote it.
    public var generation: Int
    /// The step it holds.
    public var step: Int
    /// Its file.
    public var path: String
    /// Its SHA-256 (hex), as written beside it.
    public var sha256: String
    /// An attention heatmap written with it, if any.
    public var heatmap: String?
    /// Whether every weight in the file is finite, as the trainer checked when writing it
    /// (`nil`: the trainer did not say).
    public var weightsFinite: Bool?
    /// Its own evaluation: the loss of the weights it holds (the next step's training loss, or
    /// a validation at its step); `nil` while none is known, or when none was made.
    public var evaluation: Double?
    /// Whether the trial was aligned at its step (`nil`: not known).
    public var aligned: Bool?
    /// The host whose worker recorded it (`nil`: not known). With a study on several machines,
    /// a checkpoint is resumed on another host only if that host can read its path (a shared
    /// directory, docs/distributed.md).
    public var host: String?

    /// Creates a checkpoint.
    public init(generation: Int = 0, step: Int, path: String, sha256: String, heatmap: String? = nil, weightsFinite: Bool? = nil,
                evaluation: Double? = nil, aligned: Bool? = nil, host: String? = nil) {
        self.host = host
        self.generation = generation
        self.step = step
        self.path = path
        self.sha256 = sha256
        self.heatmap = heatmap
        self.weightsFinite = weightsFinite
        self.evaluation = evaluation
        self.aligned = aligned
    }

    /// Whether it may be resumed from, before its digest is checked (DESIGN §4): its weights
    /// are not known to be non-finite, and its own evaluation is finite — or, where there is
    /// none, the trainer vouched for its weights.
    public var good: Bool {
        guard weightsFinite != false else { return false }
        if let evaluation { return evaluation.isFinite }
        return weightsFinite == true
    }

    /// The one rule for choosing where to resume (restart, take-over, final training, the
    /// registry): the newest of `checkpoints` (by step, then generation) that is good, whose
    /// step is before `limit`, that `matches`, and whose SHA-256 verifies. `nil`: from scratch.
    public static func resumePoint(from checkpoints: [Checkpoint], before limit: Int = .max,
                                   matching matches: (Checkpoint) -> Bool = { _ in true }) -> Checkpoint? {
        checkpoints.sorted { ($0.step, $0.generation) > ($1.step, $1.generation) }.first { checkpoint in
            checkpoint.step < limit && checkpoint.good && matches(checkpoint)
                && CheckpointDigest.verify(path: checkpoint.path, expected: checkpoint.sha256)
        }
    }

    enum CodingKeys: String, CodingKey {
        case generation, step, path, sha256, heatmap, aligned, host
        case weightsFinite = "weights_finite"
        case evaluation = "loss"
    }

    /// Decodes a checkpoint; a trainer's `checkpoint` event has no generation (the tuner sets it).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        generation = try c.decodeIfPresent(Int.self, forKey: .generation) ?? 0
        step = try c.decode(Int.self, forKey: .step)
        path = try c.decode(String.self, forKey: .path)
        sha256 = try c.decode(String.self, forKey: .sha256)
        heatmap = try c.decodeIfPresent(String.self, forKey: .heatmap)
        weightsFinite = try c.decodeIfPresent(Bool.self, forKey: .weightsFinite)
        evaluation = try c.decodeIfPresent(Double.self, forKey: .evaluation)
        aligned = try c.decodeIfPresent(Bool.self, forKey: .aligned)
        host = try c.decodeIfPresent(String.self, forKey: .host)
    }
}
