import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data. Only F32 tensors.
///
/// Reading checks everything a corrupt or foreign file could get wrong (lengths, JSON, dtypes,
/// shapes, byte ranges, overlaps) and says what is wrong instead of trapping.
struct SafetensorsFile {
    struct Tensor {
        let shape: [Int]
        let values: [Float]
    }

    var tensors: [(name: String, tensor: Tensor)]
    var metadata: [String: String]

    /// The file's bytes: header padded with spaces to a multiple of 8, then the tensors in order.
    func encoded() throws -> Data {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for (name, tensor) in tensors {
            let size = tensor.values.count * 4
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + size]]
            offset += size
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, tensor) in tensors {
            tensor.values.withUnsafeBufferPointer { values in
                values.withMemoryRebound(to: UInt32.self) { words in
                    for word in words { withUnsafeBytes(of: word.littleEndian) { data.append(contentsOf: $0) } }
                }
            }
        }
        return data
    }

    /// Parses a safetensors file.
    /// - Throws: ``CheckpointError/malformed(path:reason:)`` with the reason.
    static func decode(_ data: Data, path: String) throws -> SafetensorsFile {
        func fail(_ reason: String) -> CheckpointError { .malformed(path: path, reason: reason) }
        guard data.count >= 8 else { throw fail("the file has \(data.count) bytes; a safetensors file starts with an 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8), headerLength <= 100_000_000 else {
            throw fail("the header claims \(headerLength) bytes but the file has only \(data.count - 8) after the length")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        let body = data.subdata(in: headerEnd..<data.count)
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let strings = raw as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
            metadata = strings
        }
        var ranges: [(name: String, range: Range<Int>, shape: [Int])] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' needs dtype, shape and two data_offsets")
            }
            guard dtype == "F32" else { throw fail("tensor '\(name)' has dtype \(dtype); only F32 is supported") }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= body.count else {
                throw fail("tensor '\(name)' has byte range \(offsets) outside the \(body.count)-byte data section")
            }
            let elements = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard offsets[1] - offsets[0] == elements * 4 else {
                throw fail("tensor '\(name)' of shape \(shape) needs \(elements * 4) bytes, its range has \(offsets[1] - offsets[0])")
            }
            ranges.append((name, offsets[0]..<offsets[1], shape))
        }
        ranges.sort { $0.range.lowerBound < $1.range.lowerBound }
        for (first, second) in zip(ranges, ranges.dropFirst()) where first.range.upperBound > second.range.lowerBound {
            throw fail("tensors '\(first.name)' and '\(second.name)' overlap")
        }
        let tensors = ranges.map { item -> (String, Tensor) in
            let count = item.range.count / 4
            var values = [Float](repeating: 0, count: count)
            body.withUnsafeBytes { raw in
                for index in 0..<count {
                    let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: item.range.lowerBound + index * 4, as: UInt32.self))
                    values[index] = Float(bitPattern: bits)
                }
            }
            return (item.name, Tensor(shape: item.shape, values: values))
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }
}
