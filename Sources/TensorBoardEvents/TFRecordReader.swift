import Foundation

/// Reads TFRecord framing incrementally from a file another process is still writing (a
/// TensorBoard event file): each record is a little-endian UInt64 length, the masked CRC-32C of
/// those 8 bytes, the data, and the masked CRC-32C of the data. A record cut off at the end of
/// what has been written so far is read on a later call, once the rest is there.
public struct TFRecordReader: Sendable {
    /// What reading found wrong; the records before it are kept.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// The length's checksum does not match: nothing after it can be framed.
        case corruptLength(offset: UInt64)
        /// The data's checksum does not match: this record is skipped.
        case corruptData(offset: UInt64, length: UInt64)
        /// The file is shorter than what was read before (rewritten or truncated by its writer).
        case shrank(from: UInt64, to: UInt64)
        /// The file ended in the middle of a record and its writer is done.
        case truncated(offset: UInt64, missing: UInt64)

        public var description: String {
            switch self {
            case .corruptLength(let offset): return "a record's length at byte \(offset) fails its CRC; the rest of the file cannot be read"
            case .corruptData(let offset, let length): return "the \(length)-byte record at byte \(offset) fails its CRC and was skipped"
            case .shrank(let from, let to): return "the file shrank from \(from) to \(to) bytes (rewritten by its writer); it is read again from the start"
            case .truncated(let offset, let missing): return "the file ends \(missing) bytes into the record at byte \(offset)"
            }
        }
    }

    /// The file.
    public let path: String
    /// Bytes read and framed so far.
    public private(set) var offset: UInt64 = 0
    /// Whether a corrupt length stopped reading for good.
    public private(set) var stopped = false
    /// The longest record accepted (a larger length is read as corruption).
    public var maxRecordBytes: UInt64 = 256 << 20

    /// A reader at the start of `path`.
    public init(path: String) { self.path = path }

    /// The complete records written since the last call, and the problems met; `final` when the
    /// writer is done (a record cut off then is a problem, not a wait).
    public mutating func read(final: Bool = false) -> (records: [[UInt8]], problems: [Problem]) {
        guard !stopped, let handle = FileHandle(forReadingAtPath: path) else { return ([], []) }
        defer { try? handle.close() }
        var problems: [Problem] = []
        let size = (try? handle.seekToEnd()) ?? 0
        if size < offset {
            problems.append(.shrank(from: offset, to: size))
            offset = 0
        }
        guard size > offset, (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd() else { return ([], problems) }
        let bytes = [UInt8](data)
        var records: [[UInt8]] = []
        var position = 0
        while true {
            let remaining = bytes.count - position
            if remaining == 0 { break }
            guard remaining >= 12 else {
                if final { problems.append(.truncated(offset: offset + UInt64(position), missing: UInt64(12 - remaining))) }
                break
            }
            let header = bytes[position..<position + 8]
            let length = header.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard Self.word(bytes, at: position + 8) == CRC32C.masked(header), length <= maxRecordBytes else {
                problems.append(.corruptLength(offset: offset + UInt64(position)))
                stopped = true
                break
            }
            let total = 12 + Int(length) + 4
            guard remaining >= total else {
                if final { problems.append(.truncated(offset: offset + UInt64(position), missing: UInt64(total - remaining))) }
                break
            }
            let record = Array(bytes[position + 12..<position + 12 + Int(length)])
            if Self.word(bytes, at: position + 12 + Int(length)) == CRC32C.masked(record) {
                records.append(record)
            } else {
                problems.append(.corruptData(offset: offset + UInt64(position), length: length))
            }
            position += total
        }
        offset += UInt64(position)
        return (records, problems)
    }

    private static func word(_ bytes: [UInt8], at index: Int) -> UInt32 {
        bytes[index..<index + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}
