import Foundation
import Testing
import TestScratch
import Randomness

@testable import Training

@Suite("Worker protocol and fault plans", .scratch)
struct WorkerProtocolTests {
    @Test("every event round-trips through one JSON line, non-finite numbers included")
    func roundTrip() throws {
        let events: [TrainingEvent] = [
            .hello(WorkerHello(protocolVersion: 1, trainer: "tiny")),
            .hello(WorkerHello(protocolVersion: 2, trainer: "train.py", capabilities: [.hotRestart, .attentionFiles])),
            .restarted(generation: 2, step: 40),
            .validation(ValidationMetrics(step: 5, losses: ["total": 1], samples: [],
                                          attentionFiles: AttentionBatchFiles(attention: "/x/a.npy", frames: [3], tokens: [2], gateLogits: "/x/g.npy"))),
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

    @Test("commands round-trip, restart with its whole request; unknown and malformed ones are nil")
    func commands() {
        var request = TrainRequest(trialID: "t3", generation: 2, hyperparameters: ["learning_rate": 5e-4], steps: 90, checkpointDirectory: "/r/g2",
                                   resumeCheckpoint: "/r/g1/c-40.pt")
        request.resumeStep = 40
        for command: WorkerProtocol.Command in [.stop, .checkpoint, .pause, .restart(request)] {
            #expect(WorkerProtocol.decodeCommand(WorkerProtocol.encode(command)) == command)
        }
        for line in [#"{"command":"dance"}"#, #"{"command":"restart"}"#, #"{"command":"restart","request":{"steps":3}}"#, "[1]", "{"] {
            #expect(WorkerProtocol.decodeCommand(Data(line.utf8)) == nil, "\(line)")
        }
    }

    @Test("a version-2 hello keeps the capabilities this build knows and drops the rest; an unknown version is refused")
    func hello() throws {
        let line = #"{"type": "hello", "protocol": 2, "trainer": "train.py", "capabilities": ["hot_restart", "telepathy"]}"#
        #expect(try WorkerProtocol.decode(Data(line.utf8)) == .hello(WorkerHello(protocolVersion: 2, trainer: "train.py", capabilities: [.hotRestart])))
        #expect(try WorkerProtocol.decode(Data(#"{"type": "hello", "protocol": 1, "trainer": "old"}"#.utf8)) == .hello(WorkerHello(protocolVersion: 1, trainer: "old")))
        #expect(throws: WorkerProtocol.DecodingError.self) { try WorkerProtocol.decode(Data(#"{"type": "hello", "protocol": 3}"#.utf8)) }
    }

    @Test("a validation needs inline samples or attention files")
    func validationNeedsAttentionOrFiles() throws {
        #expect(throws: WorkerProtocol.DecodingError.self) {
            try WorkerProtocol.decode(Data(#"{"type": "validation", "step": 1, "losses": {"total": 1}}"#.utf8))
        }
        let line = #"{"type": "validation", "step": 1, "losses": {"total": 1}, "attention_files": {"attention": "a.npy", "frames": [2], "tokens": [2]}}"#
        guard case .validation(let validation) = try WorkerProtocol.decode(Data(line.utf8)) else { Issue.record("not a validation"); return }
        #expect(validation.samples.isEmpty && validation.attentionFiles?.attention == "a.npy")
    }

    @Test("the decoder survives random bytes, truncated events and mutated lines: each is an event or a DecodingError, never a crash")
    func fuzz() throws {
        let valid = [
            #"{"type":"hello","protocol":2,"trainer":"t","capabilities":["hot_restart","attention_files"]}"#,
            #"{"type":"step","step":7,"losses":{"total":NaN,"mel":0.25},"grad_norm":Infinity,"learning_rate":0.001,"throughput":1}"#,
            #"{"type":"validation","step":30,"losses":{"total":0.3},"samples":[{"frames":2,"tokens":2,"attention":[1,0,0,1],"gate_logits":[-1,1],"true_alignment":[0,1]}]}"#,
            #"{"type":"validation","step":30,"losses":{"total":0.3},"attention_files":{"attention":"/a.npy","frames":[2,3],"tokens":[2,2],"true_alignment":"/t.npy"}}"#,
            #"{"type":"checkpoint","step":3,"path":"/c","sha256":"ab","weights_finite":true}"#,
            #"{"type":"restarted","generation":2,"step":40}"#, #"{"type":"finished","step":9}"#,
        ]
        var random = SplitMix64(seed: 13)
        var decoded = 0
        for round in 0..<4_000 {
            var bytes = Array(valid[round % valid.count].utf8)
            switch round % 4 {
            case 0: bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))            // truncated mid-line
            case 1: for _ in 0..<3 { bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next()) }
            case 2: bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            default: bytes.insert(contentsOf: Array(#"{"x":"#.utf8), at: Int(random.next() % UInt64(bytes.count)))
            }
            do {
                _ = try WorkerProtocol.decode(bytes)
                decoded += 1
            } catch is WorkerProtocol.DecodingError {
            }
            _ = WorkerProtocol.decodeCommand(bytes)
        }
        #expect(decoded < 4_000)
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
