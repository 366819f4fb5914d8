/// TFRecord framing, the writing side of ``TFRecordReader``: a little-endian UInt64 length, the
/// masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
public enum TFRecordFraming {
    /// `data` as one framed record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var length: [UInt8] = []
        let count = UInt64(data.count)
        for shift in stride(from: 0, to: 64, by: 8) { length.append(UInt8(truncatingIfNeeded: count >> UInt64(shift))) }
        var record = length
        record.reserveCapacity(16 + data.count)
        appendWord(CRC32C.masked(length), to: &record)
        record.append(contentsOf: data)
        appendWord(CRC32C.masked(data), to: &record)
        return record
    }

    private static func appendWord(_ word: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
    }
}
