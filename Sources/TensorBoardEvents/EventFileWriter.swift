import Foundation

/// Writes one TensorBoard event file (`events.out.tfevents.…`): TFRecord framing with masked
/// CRC-32C, a `file_version` record first, then `Event`s of summaries. TensorBoard reads the
/// file while it grows; ``synchronize()`` makes what was appended durable.
///
/// Not thread-safe: one owner (the tracking actor) appends to it.
public final class EventFileWriter {
    /// What could not be written.
    public struct WriteError: Error, CustomStringConvertible {
        /// The file.
        public let path: String
        /// What went wrong.
        public let reason: String
        /// Whether the file was not started because one of that name exists.
        public var exists = false
        public var description: String { "cannot write the TensorBoard event file \(path): \(reason)" }

        /// Creates an error.
        public init(path: String, reason: String, exists: Bool = false) {
            self.path = path
            self.reason = reason
            self.exists = exists
        }
    }

    /// The file.
    public let path: String
    private let handle: FileHandle

    /// Creates `directory` if needed and starts a new event file in it,
    /// `events.out.tfevents.<seconds>.<name>`, with its `file_version` record. An existing file
    /// is never overwritten.
    /// - Throws: ``WriteError`` when the folder or file cannot be made (``WriteError/exists``
    ///   when a file of that name is there).
    public init(directory: String, wallTime: Double, name: String) throws {
        let file = "events.out.tfevents.\(String(format: "%010d", Int(max(0, wallTime.rounded(.down))))).\(name)"
        path = (directory as NSString).appendingPathComponent(file)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: path, reason: "\(error)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            throw WriteError(path: path, reason: String(cString: strerror(code)), exists: code == EEXIST)
        }
        self.handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var event = ProtobufMessage()
        event.double(1, wallTime)
        event.string(3, "brain.Event:2")
        try write(event)
    }

    /// Appends one event at `step` holding `values` (nothing for an empty list).
    /// - Throws: ``WriteError`` when the file cannot be written.
    public func append(step: Int64, wallTime: Double, values: [SummaryValue]) throws {
        guard !values.isEmpty else { return }
        var event = ProtobufMessage()
        event.double(1, wallTime)
        event.integer(2, step)
        var summary = ProtobufMessage()
        for value in values { summary.message(1, value.message) }
        event.message(5, summary)
        try write(event)
    }

    /// Makes everything appended durable (fsync).
    public func synchronize() throws {
        do { try handle.synchronize() } catch { throw WriteError(path: path, reason: "\(error)") }
    }

    /// Closes the file.
    public func close() throws {
        do { try handle.close() } catch { throw WriteError(path: path, reason: "\(error)") }
    }

    private func write(_ event: ProtobufMessage) throws {
        do {
            try handle.write(contentsOf: TFRecordFraming.frame(event.bytes))
        } catch {
            throw WriteError(path: path, reason: "\(error)")
        }
    }
}
