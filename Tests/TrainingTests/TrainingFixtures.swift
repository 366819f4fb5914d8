import Foundation
import Synchronization
import TinyTacotron
import TestScratch

@testable import BuiltinTraining
@testable import Training

enum TrainingFixtures {
    static var tinyCorpus: CorpusConfiguration { .miniature }

    static let tinyParameters: [String: Double] = [
        "encoder_size": 8, "prenet_size": 8, "decoder_size": 8, "attention_size": 4, "batch_size": 4,
    ]

    static func request(steps: Int = 6, faults: FaultPlan = FaultPlan(), directory: String? = nil) -> TrainRequest {
        TrainRequest(trialID: "t1", hyperparameters: tinyParameters, steps: steps, validationInterval: 3,
                     checkpointInterval: 4, checkpointDirectory: directory ?? temporaryDirectory(), attentionSamples: 2,
                     heartbeatInterval: 0, faults: faults)
    }

    /// A scratch path (removed with the suite's scratch folder).
    static func temporaryDirectory() -> String { Scratch.path("training") }
}

/// Collects emitted events.
final class EventLog: Sendable {
    private let storage = Mutex<[TrainingEvent]>([])
    func append(_ event: TrainingEvent) { storage.withLock { $0.append(event) } }
    var events: [TrainingEvent] { storage.withLock { $0 } }
    var kinds: [String] {
        events.map { event in
            switch event {
            case .hello: return "hello"
            case .step(let m): return "step\(m.step)"
            case .validation(let m): return "validation\(m.step)"
            case .checkpoint(let c): return "checkpoint\(c.step)"
            case .heartbeat: return "heartbeat"
            case .log: return "log"
            case .finished(let step): return "finished\(step)"
            case .restarted(let generation, _): return "restarted\(generation)"
            }
        }
    }
}
