import Training

/// How an adapter reads a trainer's progress from its output lines (`trainer.adapter.progress`).
///
/// A line is either one record by itself (``stepLines``, ``validationLines``: NVIDIA's
/// `Train loss 112 0.523411 Grad Norm 1.234567 0.45s/it`), or the header of a block whose
/// following lines carry one value each (``blocks``: Coqui's `--> STEP: … GLOBAL_STEP: 25`
/// then `| > loss: 0.52  (0.61)` lines). Values are named by their group (single lines) or by
/// the field's `name` group (blocks); ``ValueRoles`` says which name is the optimised loss, the
/// gradient norm and the learning rate. Every other value is a loss component by its name.
public struct ProgressSettings: Sendable, Hashable {
    /// Which of the trainer's streams carry progress.
    public enum Stream: String, Sendable, Hashable, CaseIterable {
        case stdout, stderr, both
    }

    /// A header line and the value lines under it.
    public struct Block: Sendable, Hashable {
        /// What a block is.
        public enum Kind: String, Sendable, Hashable { case step, validation }
        /// A training step or a validation.
        public var kind: Kind
        /// The header; its `step` group is the step (a validation header without one belongs to
        /// the last training step read).
        public var header: OutputPattern
        /// A value line, with `name` and `value` groups.
        public var field: OutputPattern
        /// The field that closes the block, when the trainer always prints it last (so the block
        /// is read at once, not when the next unrelated line comes).
        public var lastField: String?

        /// Creates a block rule.
        public init(kind: Kind, header: OutputPattern, field: OutputPattern, lastField: String? = nil) {
            self.kind = kind
            self.header = header
            self.field = field
            self.lastField = lastField
        }
    }

    /// Which of the trainer's streams carry progress.
    public var stream: Stream = .both
    /// Lines that are one training step each (a `step` group, value groups).
    public var stepLines: [OutputPattern] = []
    /// Lines that are one validation each (value groups; a `step` group, else the last step).
    public var validationLines: [OutputPattern] = []
    /// Blocks of lines.
    public var blocks: [Block] = []
    /// Which values are the loss, the gradient norm and the learning rate.
    public var roles = ValueRoles()
    /// The trial's step of a printed step 0 (NVIDIA and Coqui count from 0, the tuner from 1).
    public var stepOffset = 0
    /// Scalars read from the TensorBoard event files the script writes (`nil`: none).
    public var tensorboard: TensorBoardSettings?

    /// Reads nothing yet.
    public init() {}

    /// Whether any rule reads training steps.
    public var readsSteps: Bool { !stepLines.isEmpty || blocks.contains { $0.kind == .step } || tensorboard?.step != nil }
    /// Whether any rule reads validations.
    public var readsValidations: Bool { !validationLines.isEmpty || blocks.contains { $0.kind == .validation } || tensorboard?.validation != nil }
}

/// Which printed values play which part.
public struct ValueRoles: Sendable, Hashable {
    /// The optimised loss (recorded as the `total` loss).
    public var total = "loss"
    /// The gradient norm before clipping.
    public var gradNorm = "grad_norm"
    /// The learning rate the step used.
    public var learningRate = "learning_rate"
    /// A validation value that is 1 − the focus rate (Coqui's `align_error`): read as the
    /// trainer's own focus rate, not as a loss (`nil`: none).
    public var alignmentError: String?
    /// Values that are no loss and are left out (timings, say).
    public var ignored: Set<String> = []
    /// Printed text that means a value was not finite, by value name: Coqui prints a NaN
    /// gradient norm as the integer `0` (its `0.0` means "not computed").
    public var nonFiniteMarkers: [String: String] = [:]

    /// The defaults: `loss`, `grad_norm`, `learning_rate`.
    public init() {}

    /// The record that values read for one step make, by these roles: the loss becomes `total`,
    /// the gradient norm and learning rate theirs (0 when not given, as the protocol has it),
    /// the alignment error a focus rate, every other value a loss component. `rule` names where
    /// the values came from in a problem.
    func reading(_ kind: ProgressSettings.Block.Kind, step: Int, numbers: [String: Double], rule: String) -> ProgressReader.Reading {
        var numbers = numbers.filter { !ignored.contains($0.key) }
        guard let totalLoss = numbers.removeValue(forKey: total) else {
            let what = kind == .step ? "step \(step)" : "validation at step \(step)"
            return .problem("\(what): no '\(total)' value (the loss) among \(numbers.keys.sorted()) (\(rule))")
        }
        let norm = numbers.removeValue(forKey: gradNorm) ?? 0
        let rate = numbers.removeValue(forKey: learningRate) ?? 0
        let losses = numbers.merging(["total": totalLoss]) { $1 }
        switch kind {
        case .step:
            return .step(StepMetrics(step: step, losses: losses, gradNorm: norm, learningRate: rate, throughput: 0))
        case .validation:
            let error = alignmentError.flatMap { losses[$0] }
            var validation = ValidationMetrics(step: step, losses: alignmentError.map { name in losses.filter { $0.key != name } } ?? losses, samples: [])
            validation.focusRate = error.map { 1 - $0 }
            return .validation(validation)
        }
    }
}
