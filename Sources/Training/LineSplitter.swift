/// Splits a byte stream into lines of at most `maxBytes`, reporting longer ones instead of
/// holding them: a misbehaving worker cannot make the supervisor buffer without limit.
public struct LineSplitter: Sendable {
    /// One piece of output.
    public enum Piece: Sendable, Equatable {
        /// A complete line, without its newline.
        case line([UInt8])
        /// A line longer than the limit was skipped; it had at least this many bytes.
        case oversized(Int)
    }

    /// The longest line kept.
    public let maxBytes: Int
    private var pending: [UInt8] = []
    private var skipping = 0

    /// Creates a splitter for lines of at most `maxBytes`.
    public init(maxBytes: Int) { self.maxBytes = max(1, maxBytes) }

    /// Feeds bytes; returns the pieces they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Piece] {
        var pieces: [Piece] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if skipping > 0 {
                    pieces.append(.oversized(skipping))
                    skipping = 0
                } else if !pending.isEmpty {
                    pieces.append(.line(pending))
                }
                pending.removeAll(keepingCapacity: true)
            } else if skipping > 0 {
                skipping += 1
            } else if pending.count >= maxBytes {
                skipping = pending.count + 1
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
        return pieces
    }

    /// What is left when the stream ends (a last line without a newline).
    public mutating func finish() -> [Piece] {
        defer { pending.removeAll(); skipping = 0 }
        if skipping > 0 { return [.oversized(skipping)] }
        return pending.isEmpty ? [] : [.line(pending)]
    }
}
