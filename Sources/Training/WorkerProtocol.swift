import Foundation

/// The JSON-lines protocol between a supervisor and a worker process (docs/protocol.md).
///
/// Events go out on stdout, one JSON object per line with a `"type"` field; commands come in
/// on stdin. Non-finite numbers are written as the strings "NaN", "Infinity" and "-Infinity";
/// readers also accept bare `NaN`/`Infinity` tokens, which Python's `json.dumps` writes.
public enum WorkerProtocol {
    /// The protocol version this build speaks (it reads version-1 workers too).
    public static let version = 2

    /// The versions this build reads.
    public static let supportedVersions = 1...2

    /// A line that is not a valid event.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong with it.
        public let description: String
    }

    /// A command to a running worker (a line on its stdin).
    public enum Command: Sendable, Hashable {
        /// Checkpoint and finish.
        case stop
        /// Write a checkpoint now.
        case checkpoint
        /// Hold still at the next step until `restart` (or the end of stdin): the incarnation
        /// failed and a hot restart may follow (protocol 2, `hot_restart` workers only).
        case pause
        /// Continue in this process as the request's generation: reload its checkpoint (or start
        /// over), use its hyperparameters, and answer with a `restarted` event.
        case restart(TrainRequest)
    }

    /// One event as a line of JSON (without the newline).
    public static func encode(_ event: TrainingEvent) throws -> Data {
        try encoder.encode(EventEnvelope(event))
    }

    /// The event in one line of JSON.
    /// - Throws: ``DecodingError`` for a line that is not a known event.
    public static func decode(_ line: some DataProtocol) throws -> TrainingEvent {
        guard isUTF8(line) else { throw DecodingError(description: "not a valid event: the line is not UTF-8") }
        do {
            return try decoder.decode(EventEnvelope.self, from: Data(line)).event
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError(description: "not a valid event: \(error)")
        }
    }

    /// A command as a line of JSON (without the newline).
    public static func encode(_ command: Command) -> Data {
        switch command {
        case .stop: return Data(#"{"command":"stop"}"#.utf8)
        case .checkpoint: return Data(#"{"command":"checkpoint"}"#.utf8)
        case .pause: return Data(#"{"command":"pause"}"#.utf8)
        case .restart(let request):
            let body = (try? encoder.encode(request)) ?? Data("{}".utf8)
            return Data(#"{"command":"restart","request":"#.utf8) + body + Data("}".utf8)
        }
    }

    /// The command in a line of JSON, or `nil` for an unknown or malformed one.
    public static func decodeCommand(_ line: some DataProtocol) -> Command? {
        guard isUTF8(line), let decoded = try? decoder.decode(CommandLine.self, from: Data(line)) else { return nil }
        switch decoded.command {
        case "stop": return .stop
        case "checkpoint": return .checkpoint
        case "pause": return .pause
        case "restart": return decoded.request.map(Command.restart)
        default: return nil
        }
    }

    /// Whether the bytes are UTF-8. Checked before decoding: Foundation's JSON5 scanner (needed
    /// for the bare `NaN` Python writes) traps on malformed UTF-8 in a key instead of throwing —
    /// the protocol fuzz test found it.
    private static func isUTF8(_ line: some DataProtocol) -> Bool {
        String(validating: Array(line), as: UTF8.self) != nil
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        decoder.allowsJSON5 = true
        return decoder
    }
}

/// A command line as it is read.
private struct CommandLine: Decodable {
    let command: String
    let request: TrainRequest?
}

/// A ``TrainingEvent`` flattened into one object with a `"type"` field.
struct EventEnvelope: Codable {
    let event: TrainingEvent

    init(_ event: TrainingEvent) { self.event = event }

    private enum Keys: String, CodingKey {
        case type, step, message, level, trainer, capabilities, generation
        case protocolVersion = "protocol"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "hello":
            let version = try container.decode(Int.self, forKey: .protocolVersion)
            guard WorkerProtocol.supportedVersions.contains(version) else {
                throw WorkerProtocol.DecodingError(description: "protocol version \(version) is not spoken here; this SmartTuner speaks versions \(WorkerProtocol.supportedVersions.lowerBound) to \(WorkerProtocol.supportedVersions.upperBound)")
            }
            // Capabilities this build does not know are dropped, so a newer client still works.
            let names = try container.decodeIfPresent([String].self, forKey: .capabilities) ?? []
            event = .hello(WorkerHello(protocolVersion: version,
                                       trainer: try container.decodeIfPresent(String.self, forKey: .trainer) ?? "unknown",
                                       capabilities: Set(names.compactMap(WorkerCapability.init(rawValue:)))))
        case "step": event = .step(try StepMetrics(from: decoder))
        case "validation": event = .validation(try ValidationMetrics(from: decoder))
        case "checkpoint": event = .checkpoint(try Checkpoint(from: decoder))
        case "heartbeat": event = .heartbeat(step: try container.decodeIfPresent(Int.self, forKey: .step) ?? 0)
        case "log":
            event = .log(level: try container.decodeIfPresent(String.self, forKey: .level) ?? "info",
                         message: try container.decode(String.self, forKey: .message))
        case "finished": event = .finished(step: try container.decode(Int.self, forKey: .step))
        case "restarted":
            event = .restarted(generation: try container.decode(Int.self, forKey: .generation),
                               step: try container.decodeIfPresent(Int.self, forKey: .step) ?? 0)
        default:
            throw WorkerProtocol.DecodingError(description: "unknown event type '\(type)'; known: hello, step, validation, checkpoint, heartbeat, log, finished, restarted")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch event {
        case .hello(let hello):
            try container.encode("hello", forKey: .type)
            try container.encode(hello.protocolVersion, forKey: .protocolVersion)
            try container.encode(hello.trainer, forKey: .trainer)
            try container.encode(hello.capabilities.map(\.rawValue).sorted(), forKey: .capabilities)
        case .step(let metrics):
            try container.encode("step", forKey: .type)
            try metrics.encode(to: encoder)
        case .validation(let metrics):
            try container.encode("validation", forKey: .type)
            try metrics.encode(to: encoder)
        case .checkpoint(let info):
            try container.encode("checkpoint", forKey: .type)
            try info.encode(to: encoder)
        case .heartbeat(let step):
            try container.encode("heartbeat", forKey: .type)
            try container.encode(step, forKey: .step)
        case .log(let level, let message):
            try container.encode("log", forKey: .type)
            try container.encode(level, forKey: .level)
            try container.encode(message, forKey: .message)
        case .finished(let step):
            try container.encode("finished", forKey: .type)
            try container.encode(step, forKey: .step)
        case .restarted(let generation, let step):
            try container.encode("restarted", forKey: .type)
            try container.encode(generation, forKey: .generation)
            try container.encode(step, forKey: .step)
        }
    }
}
