#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam with decoupled weight decay (Loshchilov & Hutter), global gradient-norm clipping and
/// optional linear warm-up.
final class AdamW {
    let beta1: Float = 0.9
    let beta2: Float = 0.999
    let epsilon: Float = 1e-8
    /// First and second moments, one buffer per parameter, in parameter order.
    let firstMoments: [FloatBuffer]
    let secondMoments: [FloatBuffer]
    /// Updates applied so far (the bias-correction step).
    var updates = 0

    init(_ parameters: TacotronParameters) {
        firstMoments = parameters.all.map { FloatBuffer(count: $0.count) }
        secondMoments = parameters.all.map { FloatBuffer(count: $0.count) }
    }

    /// The global L2 norm of all gradients (NaN or infinite if any gradient is).
    static func gradientNorm(_ parameters: TacotronParameters) -> Double {
        var sum = 0.0
        for parameter in parameters.all {
            for index in 0..<parameter.count {
                let g = Double(parameter.g[index])
                sum += g * g
            }
        }
        return sum.squareRoot()
    }

    /// The learning rate at `step` (0-based) with linear warm-up over `warmupSteps`.
    static func learningRate(base: Double, step: Int, warmupSteps: Int) -> Double {
        guard warmupSteps > 0 else { return base }
        return base * min(1, Double(step + 1) / Double(warmupSteps))
    }

    /// Clips the gradients to `clip` (if positive and exceeded) and applies one update.
    func update(_ parameters: TacotronParameters, learningRate: Double, weightDecay: Double, clip: Double,
                gradientNorm: Double) {
        let scale: Float = clip > 0 && gradientNorm > clip ? Float(clip / gradientNorm) : 1
        updates += 1
        let correction1 = 1 - powf(beta1, Float(updates))
        let correction2 = 1 - powf(beta2, Float(updates))
        let rate = Float(learningRate)
        let decay = Float(weightDecay)
        for (index, parameter) in parameters.all.enumerated() {
            let m = firstMoments[index].pointer
            let v = secondMoments[index].pointer
            let w = parameter.w
            let g = parameter.g
            let decays = parameter.decays && decay > 0
            for i in 0..<parameter.count {
                let gradient = g[i] * scale
                m[i] = beta1 * m[i] + (1 - beta1) * gradient
                v[i] = beta2 * v[i] + (1 - beta2) * gradient * gradient
                let step = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                w[i] -= rate * (step + (decays ? decay * w[i] : 0))
            }
        }
    }
}
