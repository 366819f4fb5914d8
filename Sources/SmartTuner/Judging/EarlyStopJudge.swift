import Alignment

/// Turns one trial incarnation's metric stream into verdicts. A plain value: the
/// EarlyStopActor holds one per generation; tests feed it synthetic streams.
public struct EarlyStopJudge: Sendable {
    /// The criteria.
    public let policy: EarlyStopPolicy
    /// The objective whose patience is judged.
    public let objective: TrialObjective
    private var recentLosses: [Double] = []
    private var explosionRun = 0
    private var bestObjective = Double.infinity
    private var staleValidations = 0
    private var previousValidation: (loss: Double, gap: Double)?
    private var worseningRun = 0
    private var unalignedAfterAligned = 0

    /// Creates a judge for a fresh incarnation.
    public init(policy: EarlyStopPolicy = EarlyStopPolicy(), objective: TrialObjective = .standard) {
        self.policy = policy
        self.objective = objective
    }

    /// Judges one training step.
    public mutating func observe(step: Int, loss: Double, gradientNorm: Double) -> TrialVerdict {
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
        var values = ["step": Double(step), "focus_rate": quality.metrics.focusRate,
                      "missing_tokens": quality.metrics.missingTokens, "back_jump_rate": quality.metrics.backJumpRate]
        if let accuracy = quality.metrics.accuracy { values["accuracy"] = accuracy }
        if let deadline = policy.alignmentDeadline, step >= deadline, quality.firstAlignedStep == nil {
            return (.fail(.attentionCollapse, Evidence(
                "not aligned by the deadline (step \(deadline)): \(quality.shortfalls.joined(separator: ", "))", values: values)), value)
        }
        unalignedAfterAligned = quality.alignmentLost ? unalignedAfterAligned + 1 : 0
        if unalignedAfterAligned >= max(1, policy.alignmentLossValidations) {
            return (.fail(.attentionCollapse, Evidence(
                "alignment reached at step \(quality.firstAlignedStep ?? 0) was lost for \(unalignedAfterAligned) validations: \(quality.shortfalls.joined(separator: ", "))",
                values: values)), value)
        }
        let trainingLoss = recentLosses.isEmpty ? validationLoss : recentLosses.suffix(10).reduce(0, +) / Double(min(10, recentLosses.count))
        let gap = validationLoss - trainingLoss
        if let previous = previousValidation, validationLoss > previous.loss, gap > previous.gap {
            worseningRun += 1
        } else {
            worseningRun = 0
        }
        previousValidation = (validationLoss, gap)
        if worseningRun >= max(1, policy.overfittingValidations) {
            return (.stop(.overfitting, Evidence(
                "validation loss rose \(worseningRun) times running while the train/validation gap grew to \(rounded(gap))",
                values: ["step": Double(step), "val_loss": validationLoss, "gap": gap])), value)
        }
        if value < bestObjective - policy.minDelta {
            bestObjective = value
            staleValidations = 0
        } else {
            staleValidations += 1
        }
        if let patience = policy.patience, staleValidations >= max(1, patience) {
            return (.stop(.converged, Evidence(
                "objective has not improved by \(policy.minDelta) for \(staleValidations) validations (best \(rounded(bestObjective)))",
                values: ["step": Double(step), "objective": value, "best_objective": bestObjective])), value)
        }
        return (.continue, value)
    }

    private func rounded(_ value: Double) -> String {
        value.isFinite ? String((value * 10_000).rounded() / 10_000) : String(value)
    }
}
