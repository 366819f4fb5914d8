/// Utterances padded into one batch, time-major: row `t·B + b` is frame t of utterance b.
struct TacotronBatch {
    let size: Int
    let maxTokens: Int
    let maxFrames: Int
    let mels: Int
    /// Token ids, `size × maxTokens`, 0 past each length.
    let tokens: [Int32]
    let tokenLengths: [Int]
    let frameLengths: [Int]
    /// Target frames, `maxFrames × size × mels`, 0 past each length.
    let targets: [Float]
    /// 1 at each utterance's last frame, else 0.
    let stopTargets: [Float]
    /// The true token index of each valid frame, per utterance.
    let alignments: [[Int]]

    init(_ utterances: [Utterance], mels: Int) {
        size = utterances.count
        maxTokens = utterances.map(\.tokens.count).max() ?? 0
        maxFrames = utterances.map(\.frameCount).max() ?? 0
        self.mels = mels
        tokenLengths = utterances.map(\.tokens.count)
        frameLengths = utterances.map(\.frameCount)
        alignments = utterances.map(\.alignment)
        var tokens = [Int32](repeating: 0, count: size * maxTokens)
        var targets = [Float](repeating: 0, count: maxFrames * size * mels)
        var stops = [Float](repeating: 0, count: maxFrames * size)
        for (b, utterance) in utterances.enumerated() {
            for (j, token) in utterance.tokens.enumerated() { tokens[b * maxTokens + j] = token }
            for t in 0..<utterance.frameCount {
                let row = t * size + b
                for m in 0..<mels { targets[row * mels + m] = utterance.mel[t * mels + m] }
            }
            stops[(utterance.frameCount - 1) * size + b] = 1
        }
        self.tokens = tokens
        self.targets = targets
        self.stopTargets = stops
    }

    /// Whether frame `t` of utterance `b` is real (not padding).
    @inline(__always)
    func isValid(frame t: Int, utterance b: Int) -> Bool { t < frameLengths[b] }

    /// Number of real frames in the batch.
    var validFrames: Int { frameLengths.reduce(0, +) }
}
