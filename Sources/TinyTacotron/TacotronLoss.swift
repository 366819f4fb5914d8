#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The training objective and its gradients with respect to the model's outputs.
///
/// - mel: mean squared error over valid frames and channels;
/// - stop: binary cross-entropy with logits over valid frames, the positive (last) frame
///   weighted by `stop_pos_weight`;
/// - guided attention (Tachibana et al. 2017): W(n, t) = 1 − exp(−(n/N − t/T)² / (2g²)) per
///   utterance; the penalty Σₙ αₜₙ·W(n, t) is summed over tokens and averaged over valid
///   frames. (Averaging over tokens as well makes the term N times weaker; on this corpus it
///   then fails to align some seeds within 1 500 steps.)
extension TinyTacotronModel {
    func computeLosses(_ batch: TacotronBatch) -> TacotronLosses {
        let (B, N, T, M) = (batch.size, batch.maxTokens, batch.maxFrames, dimensions.mels)
        let ws = workspace
        let frames = Float(max(1, batch.validFrames))
        let positiveWeight = Float(hyperparameters.stopPosWeight)
        let guidedWeight = Float(hyperparameters.guidedAttentionWeight)
        let twoSigmaSquared = Float(2 * hyperparameters.guidedAttentionSigma * hyperparameters.guidedAttentionSigma)
        var melSum = 0.0, stopSum = 0.0, guidedSum = 0.0
        ws.dMel.zero(T * B * M)
        ws.dStop.zero(T * B)
        ws.dAlignmentGuided.zero(T * B * N)
        batch.targets.withUnsafeBufferPointer { targets in
            for b in 0..<B {
                let (length, tokens) = (batch.frameLengths[b], batch.tokenLengths[b])
                for t in 0..<length {
                    let row = t * B + b
                    var rowSum: Float = 0
                    for m in 0..<M {
                        let difference = ws.mel[row * M + m] - targets[row * M + m]
                        rowSum += difference * difference
                        ws.dMel[row * M + m] = 2 * difference / (frames * Float(M))
                    }
                    melSum += Double(rowSum)
                    let logit = ws.stop[row]
                    let target = batch.stopTargets[row]
                    let weight = 1 + (positiveWeight - 1) * target
                    let softplusOfNegative = max(-logit, 0) + log1pf(expf(-abs(logit)))
                    stopSum += Double((1 - target) * logit + weight * softplusOfNegative)
                    let probability = 1 / (1 + expf(-logit))
                    ws.dStop[row] = ((1 - target) - weight * (1 - probability)) / frames
                    let framePosition = Float(t) / Float(length)
                    var penalty: Float = 0
                    for n in 0..<tokens {
                        let offset = Float(n) / Float(tokens) - framePosition
                        let w = 1 - expf(-offset * offset / twoSigmaSquared)
                        penalty += ws.alignment[row * N + n] * w
                        ws.dAlignmentGuided[row * N + n] = guidedWeight * w / frames
                    }
                    guidedSum += Double(penalty)
                }
            }
        }
        let mel = melSum / Double(frames) / Double(M)
        let stop = stopSum / Double(frames)
        let guided = guidedSum / Double(frames)
        return TacotronLosses(mel: mel, stop: stop, guided: guided,
                              total: mel + stop + hyperparameters.guidedAttentionWeight * guided)
    }
}
