import Foundation
import Testing

@testable import SmartTuner

@Suite("Smart-restart rules")
struct RestartPolicyTests {
    let base: [String: Double] = ["learning_rate": 0.002, "grad_clip": 1, "guided_attention_weight": 0, "batch_size": 16]

    @Test("each cause's default adjustment follows DESIGN §4", arguments: FailureCause.restartableCases)
    func defaults(cause: FailureCause) {
        let plan = RestartPolicy.standard.plan(after: cause, hyperparameters: base)
        let changed = Dictionary(uniqueKeysWithValues: plan.changes.map { ($0.name, $0.to) })
        switch cause {
        case .nonFinite:
            #expect(changed == ["learning_rate": 0.001, "grad_clip": 0.5])
            #expect(plan.resume == .lastGoodCheckpoint)
        case .divergence:
            #expect(changed == ["learning_rate": 0.001])
            #expect(plan.resume == .beforeSpike)
        case .gradientExplosion:
            #expect(changed["grad_clip"] == 0.5)
            #expect(abs((changed["learning_rate"] ?? 0) - 0.0014) < 1e-12)
        case .attentionCollapse:
            #expect(changed["guided_attention_weight"] == 1, "doubling 0 is floored to 1")
            #expect(plan.resume == .lastAlignedOrScratch)
        case .outOfMemory:
            #expect(changed == ["batch_size": 8])
            #expect(plan.skipped == ["gradient_accumulation"], "the trial has no such parameter")
        case .trainerFault:
            Issue.record("a trainer fault has no restart rule")
        case .hang, .crash:
            #expect(plan.changes.isEmpty && plan.hyperparameters == base)
        }
    }

    @Test("bounds hold over repeated restarts")
    func bounds() {
        var parameters = base
        var weights: [Double] = []
        for _ in 0..<6 {
            parameters = RestartPolicy.standard.plan(after: .attentionCollapse, hyperparameters: parameters).hyperparameters
            weights.append(parameters["guided_attention_weight"] ?? .nan)
        }
        #expect(weights == [1, 2, 4, 8, 10, 10])
        var batch = ["batch_size": 3.0]
        var sizes: [Double] = []
        for _ in 0..<3 {
            batch = RestartPolicy.standard.plan(after: .outOfMemory, hyperparameters: batch).hyperparameters
            sizes.append(batch["batch_size"] ?? .nan)
        }
        #expect(sizes == [1, 1, 1])
        let clamped = RestartPolicy.standard.plan(after: .outOfMemory, hyperparameters: ["batch_size": 1])
        #expect(clamped.changes.isEmpty, "no change is recorded when the floor is already reached")
    }

    @Test("the policy round-trips through JSON with causes as keys")
    func codable() throws {
        let data = try JSONEncoder().encode(RestartPolicy.standard)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rules = try #require(object["rules"] as? [String: Any])
        #expect(Set(rules.keys) == Set(FailureCause.restartableCases.map(\.rawValue)))
        #expect(try JSONDecoder().decode(RestartPolicy.self, from: data) == RestartPolicy.standard)
    }
}
