import Foundation
import Logging

/// Somewhere alerts go. A sink may be slow or fail; its queue and retries are the sink worker's
/// business, so a sink only delivers one alert.
public protocol AlertSink: Sendable {
    /// A name for logs and counters.
    var name: String { get }
    /// Delivers one alert (that repeated `repeats` times); throws ``AlertDeliveryError`` to retry.
    func deliver(_ alert: Alert, repeats: Int) async throws
}

/// Why a delivery failed, and whether and when to try again.
public struct AlertDeliveryError: Error, Sendable, CustomStringConvertible {
    /// What went wrong (already redacted).
    public let description: String
    /// Whether trying again may help (server errors, rate limits, timeouts).
    public let retryable: Bool
    /// The delay the service asked for (HTTP 429 `retry_after`), if any.
    public let retryAfter: Duration?

    /// Creates a delivery error.
    public init(_ description: String, retryable: Bool, retryAfter: Duration? = nil) {
        self.description = description
        self.retryable = retryable
        self.retryAfter = retryAfter
    }
}

/// Alerts as log lines.
public struct ConsoleSink: AlertSink {
    public let name = "console"
    private let logger: Logger

    /// Logs alerts through `logger` at notice level.
    public init(logger: Logger) { self.logger = logger }

    public func deliver(_ alert: Alert, repeats: Int) async throws {
        logger.notice("\(alert.text(repeats: repeats))", metadata: ["alert": "\(alert.kind.rawValue)"])
    }
}

/// Alerts appended to a JSON-lines file, one object per alert.
public struct EventLogSink: AlertSink {
    public let name = "event-log"
    /// The file.
    public let path: String

    /// Appends to `path` (created if missing).
    public init(path: String) { self.path = path }

    public func deliver(_ alert: Alert, repeats: Int) async throws {
        struct Line: Encodable {
            let alert: Alert
            let repeats: Int
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(Line(alert: alert, repeats: repeats))
        line.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw AlertDeliveryError("cannot open the event log \(path) for writing", retryable: false)
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
    }
}
