import Foundation
import Testing
import TestScratch

@testable import Training

@Suite("Worker protocol and fault plans", .scratch)
struct WorkerProtocolTests {
    @Test("every event round-trips through one JSON line, non-finite numbers included")
    func roundTrip() throws {
        let events: [TrainingEvent] = [
            .hello(protocolVersion: 1, trainer: "tiny"),
            .step(StepMetrics(step: 3, losses: ["total": .nan, "mel": .infinity], gradNorm: -.infinity, learningRate: 0.001, throughput: 10)),
            .validation(ValidationMetrics(step: 3, losses: ["total": 0.5], samples: [
                AttentionSample(frames: 2, tokens: 2, attention: [1, 0, 0, 1], gateLogits: [-1, 1], trueAlignment: [0, 1]),
            ])),
            .checkpoint(Checkpoint(step: 3, path: "/tmp/x.safetensors", sha256: "ab", weightsFinite: true)),
            .heartbeat(step: 3), .log(level: "warning", message: "héllo \"quoted\"\nnewline"), .finished(step: 3),
        ]
        for event in events {
            let line = try WorkerProtocol.encode(event)
            #expect(!line.contains(UInt8(ascii: "\n")))
            let decoded = try WorkerProtocol.decode(line)
            if case .step(let m) = decoded {
                #expect(m.losses["total"]?.isNaN == true && m.losses["mel"] == .infinity && m.gradNorm == -.infinity)
            } else {
                #expect(decoded == event)
            }
        }
    }

    @Test("lines Python's json.dumps writes are read, bare NaN included")
    func pythonStyle() throws {
        let line = #"{"type": "step", "step": 7, "losses": {"total": NaN, "mel": 0.25}, "grad_norm": Infinity, "learning_rate": 0.001, "throughput": 12.5, "extra": [1, 2]}"#
        guard case .step(let metrics) = try WorkerProtocol.decode(Data(line.utf8)) else { Issue.record("not a step"); return }
        #expect(metrics.step == 7 && metrics.losses["total"]?.isNaN == true && metrics.gradNorm == .infinity)
    }

    @Test("attention written in double precision decodes: weights below Float's range become 0, not a malformed line")
    func doublePrecisionAttention() throws {
        // What numpy's float64 attention gives after .tolist(): a tail far below Float's range.
        let line = #"{"type": "validation", "step": 30, "losses": {"total": 0.37}, "samples": [{"frames": 2, "tokens": 3, "# +
            #""attention": [0.9999999, 1e-7, 1.2e-200, 5e-324, 0.5, 0.5], "gate_logits": [-1e60, 1e60], "true_alignment": [0, 1]}]}"#
        guard case .validation(let metrics) = try WorkerProtocol.decode(Data(line.utf8)) else { Issue.record("not a validation"); return }
        let sample = try #require(metrics.samples.first)
        #expect(sample.attention == [0.9999999, 1e-7, 0, 0, 0.5, 0.5])
        #expect(sample.gateLogits == [-.infinity, .infinity] && sample.trueAlignment == [0, 1])
    }

    @Test("without a total, the loss is the components' sum in name order: the same bits however the dictionary is laid out")
    func totalWithoutTotal() {
        let components = ["mel": 0.1, "postnet": 0.7, "gate": 1e-3, "guided": 0.33, "dur": 2.2e-5, "ctc": 0.017]
        let expected = components.keys.sorted().reduce(0.0) { $0 + (components[$1] ?? 0) }
        for capacity in [0, 16, 128, 1_024] {
            var losses = [String: Double](minimumCapacity: capacity)
            for (name, value) in components.sorted(by: { $0.key > $1.key }) { losses[name] = value }
            let step = StepMetrics(step: 1, losses: losses, gradNorm: 1, learningRate: 0.1, throughput: 0)
            let validation = ValidationMetrics(step: 1, losses: losses, samples: [])
            #expect(step.totalLoss.bitPattern == expected.bitPattern && validation.totalLoss.bitPattern == expected.bitPattern)
        }
    }

    @Test("malformed lines are refused with a reason", arguments: [
        "not json", "{}", #"{"type": "teleport"}"#, #"{"type": "step", "step": "seven"}"#, "",
    ])
    func malformed(line: String) {
        #expect(throws: WorkerProtocol.DecodingError.self) { try WorkerProtocol.decode(Data(line.utf8)) }
    }

    @Test("commands round-trip; unknown ones are nil")
    func commands() {
        #expect(WorkerProtocol.decodeCommand(WorkerProtocol.encode(.stop)) == .stop)
        #expect(WorkerProtocol.decodeCommand(WorkerProtocol.encode(.checkpoint)) == .checkpoint)
        #expect(WorkerProtocol.decodeCommand(Data(#"{"command":"dance"}"#.utf8)) == nil)
    }

    @Test("fault plans parse, print, scope to incarnations, and random schedules are seeded")
    func faultPlans() throws {
        let plan = try FaultPlan(parsing: "nan@200, crash@5:1,hang@9:all,slow@20")
        #expect(plan.faults.map(\.description) == ["nan@200", "crash@5:1", "hang@9:all", "slow@20"])
        #expect(plan.firing(.nan, at: 200, generation: 0) && !plan.firing(.nan, at: 200, generation: 1))
        #expect(plan.firing(.crash, at: 5, generation: 1) && plan.firing(.hang, at: 9, generation: 7))
        #expect(plan.slowdown(generation: 3) == 20)
        for bad in ["boom@3", "nan", "nan@x", "nan@3:x", "nan@-1"] {
            #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: bad) }
        }
        let a = FaultPlan.random(seed: 4, count: 5, kinds: [.nan, .crash], steps: 10...100)
        #expect(a == FaultPlan.random(seed: 4, count: 5, kinds: [.nan, .crash], steps: 10...100))
        #expect(a != FaultPlan.random(seed: 5, count: 5, kinds: [.nan, .crash], steps: 10...100))
        #expect(a.faults.allSatisfy { (10...100).contains($0.value) })
    }
}
