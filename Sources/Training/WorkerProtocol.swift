import Foundation

/// The JSON-lines protocol between a supervisor and a worker process (docs/protocol.md).
///
/// Events go out on stdout, one JSON object per line with a `"type"` field; commands come in
/// on stdin. Non-finite numbers are written as the strings "NaN", "Infinity" and "-Infinity";
/// readers also accept bare `NaN`/`Infinity` tokens, which Python's `json.dumps` writes.
public enum WorkerProtocol {
    /// The protocol version this build speaks.
    public static let version = 1

    /// A line that is not a valid event.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong with it.
        public let description: String
    }

    /// A command to a running worker.
    public enum Command: String, Sendable, Codable {
        /// Checkpoint and finish.
        case stop
        /// Write a checkpoint now.
        case checkpoint
    }

    /// One event as a line of JSON (without the newline).
    public static func encode(_ event: TrainingEvent) throws -> Data {
        try encoder.encode(EventEnvelope(event))
    }

    /// The event in one line of JSON.
    /// - Throws: ``DecodingError`` for a line that is not a known event.
    public static func decode(_ line: some DataProtocol) throws -> TrainingEvent {
        do {
            return try decoder.decode(EventEnvelope.self, from: Data(line)).event
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError(description: "not a valid event: \(error)")
        }
    }

    /// A command as a line of JSON.
    public static func encode(_ command: Command) -> Data {
        Data("{\"command\":\"\(command.rawValue)\"}".utf8)
    }

    /// The command in a line of JSON, or `nil` for an unknown one.
    public static func decodeCommand(_ line: some DataProtocol) -> Command? {
        (try? JSONDecoder().decode([String: String].self, from: Data(line)))?["command"].flatMap(Command.init(rawValue:))
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

/// A ``TrainingEvent`` flattened into one object with a `"type"` field.
struct EventEnvelope: Codable {
    let event: TrainingEvent

    init(_ event: TrainingEvent) { self.event = event }

    private enum Keys: String, CodingKey {
        case type, step, message, level, trainer
        case protocolVersion = "protocol"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "hello":
            event = .hello(protocolVersion: try container.decode(Int.self, forKey: .protocolVersion),
                           trainer: try container.decodeIfPresent(String.self, forKey: .trainer) ?? "unknown")
        case "step": event = .step(try StepMetrics(from: decoder))
        case "validation": event = .validation(try ValidationMetrics(from: decoder))
        case "checkpoint": event = .checkpoint(try Checkpoint(from: decoder))
        case "heartbeat": event = .heartbeat(step: try container.decodeIfPresent(Int.self, forKey: .step) ?? 0)
        case "log":
            event = .log(level: try container.decodeIfPresent(String.self, forKey: .level) ?? "info",
                         message: try container.decode(String.self, forKey: .message))
        case "finished": event = .finished(step: try container.decode(Int.self, forKey: .step))
        default:
            throw WorkerProtocol.DecodingError(description: "unknown event type '\(type)'; known: hello, step, validation, checkpoint, heartbeat, log, finished")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch event {
        case .hello(let version, let trainer):
            try container.encode("hello", forKey: .type)
            try container.encode(version, forKey: .protocolVersion)
            try container.encode(trainer, forKey: .trainer)
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
        }
    }
}
