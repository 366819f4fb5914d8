/// The fields of one protocol-buffer message in wire format (a small reader for the few
/// TensorBoard messages SmartTuner needs; see TensorBoardEvent for why not swift-protobuf).
struct ProtobufFields {
    /// One field's value as the wire format carries it.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }

    /// A message that is not valid wire format.
    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "malformed protocol buffer at byte \(offset): \(reason)" }
    }

    /// The fields by number, in order (repeated fields appear several times).
    let fields: [(number: Int, value: Value)]

    /// Reads `bytes`.
    /// - Throws: ``Malformed`` for a truncated field or an unknown wire type.
    init(_ bytes: ArraySlice<UInt8>) throws {
        var fields: [(Int, Value)] = []
        var index = bytes.startIndex
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < bytes.endIndex else { throw Malformed(offset: index, reason: "a varint runs past the end") }
                let byte = bytes[index]
                index += 1
                guard shift < 64 else { throw Malformed(offset: index, reason: "a varint longer than 10 bytes") }
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, bytes.endIndex - index >= count else { throw Malformed(offset: index, reason: "a field of \(count) bytes runs past the end") }
            defer { index += count }
            return bytes[index..<index + count]
        }
        while index < bytes.endIndex {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((number, .varint(try varint())))
            case 1: fields.append((number, .fixed64(try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
            case 2:
                let length = try varint()
                guard length <= UInt64(Int.max) else { throw Malformed(offset: index, reason: "a length of \(length)") }
                fields.append((number, .bytes(try take(Int(length)))))
            case 5: fields.append((number, .fixed32(try take(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })))
            case let type: throw Malformed(offset: index, reason: "wire type \(type) (groups are not read)")
            }
        }
        self.fields = fields
    }

    /// The values of field `number`.
    func values(_ number: Int) -> [Value] { fields.filter { $0.number == number }.map(\.value) }

    /// Field `number` as bytes (a string or a nested message), the last one when repeated.
    func bytes(_ number: Int) -> ArraySlice<UInt8>? {
        for case .bytes(let value) in values(number).reversed() { return value }
        return nil
    }

    /// Field `number` as a double (wire type fixed64).
    func double(_ number: Int) -> Double? {
        for case .fixed64(let bits) in values(number).reversed() { return Double(bitPattern: bits) }
        return nil
    }

    /// Field `number` as a float (wire type fixed32).
    func float(_ number: Int) -> Float? {
        for case .fixed32(let bits) in values(number).reversed() { return Float(bitPattern: bits) }
        return nil
    }

    /// Field `number` as an integer (a varint).
    func integer(_ number: Int) -> Int64? {
        for case .varint(let value) in values(number).reversed() { return Int64(bitPattern: value) }
        return nil
    }

    /// Field `number` as floats, packed or not.
    func floats(_ number: Int) -> [Float] {
        values(number).flatMap { value -> [Float] in
            switch value {
            case .fixed32(let bits): return [Float(bitPattern: bits)]
            case .bytes(let packed) where packed.count % 4 == 0:
                return stride(from: packed.startIndex, to: packed.endIndex, by: 4).map { start in
                    Float(bitPattern: packed[start..<start + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
                }
            default: return []
            }
        }
    }

    /// Field `number` as doubles, packed or not.
    func doubles(_ number: Int) -> [Double] {
        values(number).flatMap { value -> [Double] in
            switch value {
            case .fixed64(let bits): return [Double(bitPattern: bits)]
            case .bytes(let packed) where packed.count % 8 == 0:
                return stride(from: packed.startIndex, to: packed.endIndex, by: 8).map { start in
                    Double(bitPattern: packed[start..<start + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
                }
            default: return []
            }
        }
    }
}
