import Alignment

/// Turns one trial incarnation's metric stream into verdicts. A plain value: the
/// EarlyStopActor holds one per generation; tests feed it synthetic streams.
///
/// What a new incarnation carries over from the trial and what it must prove again: the
/// alignment history comes with each quality report (the trial's, cut back to the resume
/// point), and the divergence baseline is seeded with the lineage's recent losses
/// (``seed(recentLosses:)``); the counters of patience, overfitting, gradient explosion,
/// lost alignment and the deadline's grace start at zero.
public struct EarlyStopJudge: Sendable {
    /// The criteria.
    public let policy: EarlyStopPolicy
    /// The objective whose patience is judged.
    public let objective: TrialObjective
    /// Below this focus at the alignment deadline, alignment has failed outright.
    public let failedFocus: Double
    private var recentLosses: [Double] = []
    /// The training steps' losses as the objective's `val_loss` adds them, for the
    /// train/validation gap (the optimised total may hold regularisers `val_loss` leaves out).
    private var recentObjectiveLosses: [Double] = []
    private var graceUsed = 0
    private var explosionRun = 0
    private var bestObjective = Double.infinity
    private var staleValidations = 0
    private var previousValidation: (loss: Double, gap: Double)?
    private var worseningRun = 0
    private var unalignedAfterAligned = 0

    /// Creates a judge for a fresh incarnation.
    public init(policy: EarlyStopPolicy = EarlyStopPolicy(), objective: TrialObjective = .standard, failedFocus: Double = 0.4) {
        self.policy = policy
        self.objective = objective
        self.failedFocus = failedFocus
    }

    /// Seeds the divergence baseline with the trial's recent finite training losses (oldest
    /// first), so that a resumed incarnation is judged against the run it continues.
    public mutating func seed(recentLosses losses: [Double]) {
        recentLosses = Array(losses.suffix(max(1, policy.divergenceWindow)))
    }

    /// Judges one training step: `loss` is the optimised loss (divergence, non-finite values),
    /// `objectiveLoss` the step's losses as the objective's `val_loss` adds them (`nil`: `loss`).
    public mutating func observe(step: Int, loss: Double, gradientNorm: Double, objectiveLoss: Double? = nil) -> TrialVerdict {
        guard loss.isFinite, gradientNorm.isFinite else {
            return .fail(.nonFinite, Evidence("non-finite \(loss.isFinite ? "gradient norm" : "loss") at step \(step)",
                                              values: ["step": Double(step), "loss": loss, "grad_norm": gradientNorm]))
        }
        if recentLosses.count >= 3 {
            let average = recentLosses.reduce(0, +) / Double(recentLosses.count)
            if loss > policy.divergenceFactor * average {
                return .fail(.divergence, Evidence(
                    "loss \(rounded(loss)) at step \(step) is over \(policy.divergenceFactor)× its moving average \(rounded(average))",
                    values: ["step": Double(step), "loss": loss, "moving_average": average]))
            }
        }
        recentLosses.append(loss)
        if recentLosses.count > max(1, policy.divergenceWindow) { recentLosses.removeFirst() }
        if case let matched = objectiveLoss ?? loss, matched.isFinite {
            recentObjectiveLosses.append(matched)
            if recentObjectiveLosses.count > 10 { recentObjectiveLosses.removeFirst() }
        }
        explosionRun = gradientNorm > policy.gradientNormThreshold ? explosionRun + 1 : 0
        if explosionRun >= max(1, policy.gradientExplosionSteps) {
            return .fail(.gradientExplosion, Evidence(
                "gradient norm over \(policy.gradientNormThreshold) for \(explosionRun) steps (now \(rounded(gradientNorm)) at step \(step))",
                values: ["step": Double(step), "grad_norm": gradientNorm, "steps_over": Double(explosionRun)]))
        }
        return .continue
    }

    /// Judges a validation. Returns the verdict and the validation's objective.
    public mutating func observe(validationLoss: Double, quality: QualityReport) -> (verdict: TrialVerdict, objective: Double) {
        let step = quality.step
        let value = objective.value(validationLoss: validationLoss, metrics: quality.metrics)
        guard validationLoss.isFinite, value.isFinite else {
            return (.fail(.nonFinite, Evidence("non-finite validation loss at step \(step)",
                                               values: ["step": Double(step), "val_loss": validationLoss])), value)
        }
        let evidenced: Set<String> = ["focus_rate", "missing_tokens", "back_jump_rate", "accuracy"]
        let values = quality.metrics.named.filter { evidenced.contains($0.key) }.merging(["step": Double(step)]) { $1 }
        if let deadline = policy.alignmentDeadline, step >= deadline, quality.firstAlignedStep == nil {
            // Failed below `failedFocus`; between it and aligned the trial is improving and gets
            // `alignmentGraceValidations` more validations to align.
            let focus = quality.metrics.focusRate
            if !(focus >= failedFocus) {
                return (.fail(.attentionCollapse, Evidence(
                    "not aligned by the deadline (step \(deadline)), and focus_rate \(rounded(focus)) is below the failed level \(failedFocus): "
                        + quality.shortfalls.joined(separator: ", "), values: values)), value)
            }
            graceUsed += 1
            if graceUsed > max(0, policy.alignmentGraceValidations) {
                return (.fail(.attentionCollapse, Evidence(
                    "not aligned by the deadline (step \(deadline)) nor in the \(policy.alignmentGraceValidations) validations of grace after it: "
                        + quality.shortfalls.joined(separator: ", "), values: values)), value)
            }
        }
        unalignedAfterAligned = quality.alignmentLost ? unalignedAfterAligned + 1 : 0
        if unalignedAfterAligned >= max(1, policy.alignmentLossValidations) {
            return (.fail(.attentionCollapse, Evidence(
                "alignment reached at step \(quality.firstAlignedStep ?? 0) was lost for \(unalignedAfterAligned) validations: \(quality.shortfalls.joined(separator: ", "))",
                values: values)), value)
        }
        return (judgeLoss(step: step, validationLoss: validationLoss, objective: value, quality: quality, values: values), value)
    }

    /// Judges a validation of a trainer that gives no attention (``Training/VisibleSignal/attention``
    /// is not visible): only what the loss shows — non-finite values, overfitting, patience.
    /// The objective is its `val_loss` term alone. Returns the verdict and the objective.
    public mutating func observe(validationLoss: Double, atStep step: Int) -> (verdict: TrialVerdict, objective: Double) {
        let value = (objective.weights["val_loss"] ?? 1) * validationLoss
        guard validationLoss.isFinite, value.isFinite else {
            return (.fail(.nonFinite, Evidence("non-finite validation loss at step \(step)",
                                               values: ["step": Double(step), "val_loss": validationLoss])), value)
        }
        return (judgeLoss(step: step, validationLoss: validationLoss, objective: value, quality: nil, values: ["step": Double(step)]), value)
    }

    /// The verdict on a validation's loss and objective (after its alignment was judged, if it had any).
    private mutating func judgeLoss(step: Int, validationLoss: Double, objective value: Double, quality: QualityReport?,
                                    values: [String: Double]) -> TrialVerdict {
        let trainingLoss = recentObjectiveLosses.isEmpty ? validationLoss
            : recentObjectiveLosses.reduce(0, +) / Double(recentObjectiveLosses.count)
        let gap = validationLoss - trainingLoss
        if let previous = previousValidation, validationLoss > previous.loss, gap > previous.gap {
            worseningRun += 1
        } else {
            worseningRun = 0
        }
        previousValidation = (validationLoss, gap)
        if worseningRun >= max(1, policy.overfittingValidations) {
            if let quality, let collapse = neverAligned(quality, values: values, why: "validation loss rose \(worseningRun) times running") {
                return collapse
            }
            return .stop(.overfitting, Evidence(
                "validation loss rose \(worseningRun) times running while the train/validation gap grew to \(rounded(gap))",
                values: ["step": Double(step), "val_loss": validationLoss, "gap": gap]))
        }
        if value < bestObjective - policy.minDelta {
            bestObjective = value
            staleValidations = 0
        } else {
            staleValidations += 1
        }
        if let patience = policy.patience, staleValidations >= max(1, patience) {
            if let quality, let collapse = neverAligned(quality, values: values, why: "the objective stopped improving for \(staleValidations) validations") {
                return collapse
            }
            return .stop(.converged, Evidence(
                "objective has not improved by \(policy.minDelta) for \(staleValidations) validations (best \(rounded(bestObjective)))",
                values: ["step": Double(step), "objective": value, "best_objective": bestObjective]))
        }
        return .continue
    }

    /// An early stop of a trial that never aligned is no success (when alignment is required,
    /// i.e. a deadline is set): it is an attention collapse, restarted as one.
    private func neverAligned(_ quality: QualityReport, values: [String: Double], why: String) -> TrialVerdict? {
        guard policy.alignmentDeadline != nil, quality.firstAlignedStep == nil else { return nil }
        return .fail(.attentionCollapse, Evidence(
            "\(why) without the trial ever aligning: \(quality.shortfalls.joined(separator: ", "))", values: values))
    }

    private func rounded(_ value: Double) -> String { HumanNumber.text(value) }
}
