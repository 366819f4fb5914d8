/// A protocol-buffer message being written in wire format: the writing side of
/// ``ProtobufFields`` for the few TensorBoard messages SmartTuner writes (see
/// ``TensorBoardEvent`` for why not swift-protobuf). Fields are appended in the order written;
/// a field left at its default is simply not written, as proto3 does.
struct ProtobufMessage {
    /// The encoded bytes so far.
    private(set) var bytes: [UInt8] = []

    private mutating func key(_ number: Int, _ wireType: UInt64) {
        appendVarint(UInt64(number) << 3 | wireType)
    }

    private mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// An integer field (int32, int64 and enums: a varint; negative values as ten bytes).
    mutating func integer(_ number: Int, _ value: Int64) {
        key(number, 0)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A bool field.
    mutating func bool(_ number: Int, _ value: Bool) { integer(number, value ? 1 : 0) }

    /// A double field (fixed64, little-endian).
    mutating func double(_ number: Int, _ value: Double) {
        key(number, 1)
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    /// A float field (fixed32, little-endian).
    mutating func float(_ number: Int, _ value: Float) {
        key(number, 5)
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }

    /// A bytes field.
    mutating func bytes(_ number: Int, _ value: some Collection<UInt8>) {
        key(number, 2)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string field (UTF-8).
    mutating func string(_ number: Int, _ value: String) { bytes(number, Array(value.utf8)) }

    /// A nested message field.
    mutating func message(_ number: Int, _ value: ProtobufMessage) { bytes(number, value.bytes) }

    /// A nested message field built by `body`.
    mutating func message(_ number: Int, _ body: (inout ProtobufMessage) -> Void) {
        var nested = ProtobufMessage()
        body(&nested)
        message(number, nested)
    }
}
