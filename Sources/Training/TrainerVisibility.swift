/// One kind of information a trainer gives the tuner, and so one group of criteria the judge
/// can apply (DESIGN §3, §7).
public enum VisibleSignal: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The optimised loss of each step: non-finite values and divergence.
    case trainingLoss = "training_loss"
    /// The gradient norm of each step: gradient explosion and non-finite gradients.
    case gradientNorm = "grad_norm"
    /// The learning rate each step used (read back, not assumed).
    case learningRate = "learning_rate"
    /// Validation losses: the objective's `val_loss`, overfitting, patience, pruning.
    case validationLoss = "validation_loss"
    /// Attention matrices of validation utterances: every alignment metric of DESIGN §5, the
    /// alignment deadline and lost alignment.
    case attention
    /// The focus rate as the trainer computes it itself (Coqui's `align_error` is 1 − F), without
    /// attention: alignment is judged by F alone.
    case focusRate = "focus_rate"
    /// Checkpoints: where a restart or a take-over resumes.
    case checkpoints
    /// Restarts in the same process (protocol 2 `hot_restart`).
    case hotRestart = "hot_restart"

    public static func < (lhs: VisibleSignal, rhs: VisibleSignal) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }

    /// The signal in words.
    public var words: String {
        switch self {
        case .trainingLoss: return "training loss"
        case .gradientNorm: return "gradient norm"
        case .learningRate: return "learning rate"
        case .validationLoss: return "validation loss"
        case .attention: return "attention"
        case .focusRate: return "focus rate"
        case .checkpoints: return "checkpoints"
        case .hotRestart: return "hot restart"
        }
    }

    /// What the judge or the supervisor cannot do without it.
    public var consequence: String {
        switch self {
        case .trainingLoss: return "non-finite losses and divergence are not judged"
        case .gradientNorm: return "gradient explosion is not judged"
        case .learningRate: return "the learning rate a step used is not known"
        case .validationLoss: return "no objective, pruning or overfitting check"
        case .attention: return "alignment is not judged (no deadline, no lost alignment; the objective is val_loss alone)"
        case .focusRate: return "alignment is not judged"
        case .checkpoints: return "restarts and take-overs start from scratch"
        case .hotRestart: return "every restart starts a new process"
        }
    }
}

/// What a trainer lets the tuner see: recorded in each trial's timeline and the study's
/// summary, and obeyed by the judge, which applies only the criteria it has data for.
public struct TrainerVisibility: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The signals the trainer gives.
    public var signals: Set<VisibleSignal>
    /// Notes on how signals are obtained where that matters to a reader (say, "attention only as
    /// TensorBoard images, not read").
    public var notes: [String]

    /// Creates a visibility.
    public init(signals: Set<VisibleSignal>, notes: [String] = []) {
        self.signals = signals
        self.notes = notes
    }

    /// A trainer that speaks the worker protocol: it can report everything (whether it does is
    /// seen in what it reports).
    public static let full = TrainerVisibility(signals: Set(VisibleSignal.allCases))

    /// Whether `signal` is given.
    public func sees(_ signal: VisibleSignal) -> Bool { signals.contains(signal) }

    /// The signals not given, in a fixed order (the focus rate is not missing where attention
    /// is given: it is computed from it).
    public var missing: [VisibleSignal] {
        VisibleSignal.allCases.filter { !signals.contains($0) && !($0 == .focusRate && signals.contains(.attention)) }
    }

    /// What the judge or the supervisor cannot do without `signal`, given what else is seen.
    public func consequence(of signal: VisibleSignal) -> String {
        if signal == .attention, sees(.focusRate) {
            return "alignment is judged by the focus rate alone (missing tokens, back-jumps, stop error and accuracy are not known)"
        }
        return signal.consequence
    }

    public var description: String {
        let seen = signals.sorted().map(\.words).joined(separator: ", ")
        let unseen = missing.map { "\($0.words) (\(consequence(of: $0)))" }.joined(separator: "; ")
        return "sees \(seen.isEmpty ? "nothing" : seen)" + (unseen.isEmpty ? "" : "; cannot see \(unseen)")
            + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
    }
}
