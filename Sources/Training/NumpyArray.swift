import Foundation

/// A float array read from a NumPy `.npy` file (format versions 1–3): little- or big-endian
/// float32 or float64, C order, any number of dimensions. Values are converted to `Float`.
public struct NumpyArray: Sendable, Equatable {
    /// The array's shape.
    public let shape: [Int]
    /// The values in C (row-major) order.
    public let values: [Float]

    /// Why a file is not an array this reader can use, with what would be valid.
    public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The message.
        public let description: String
    }

    /// Parses `.npy` bytes.
    /// - Throws: ``FormatError`` naming the problem (bad magic, unsupported dtype, Fortran
    ///   order, a shape the data does not fill).
    public init(npy data: Data, name: String = "the file") throws {
        func fail(_ message: String) -> FormatError { FormatError(description: "\(name): \(message)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("not a NumPy .npy file (it must start with \\x93NUMPY; save with numpy.save)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail(".npy format version \(major) is not supported (1, 2 and 3 are)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = Self.field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }) else {
            throw fail("the header has no 'descr'")
        }
        let width: Int
        switch descr.dropFirst() {
        case "f4": width = 4
        case "f8": width = 8
        default: throw fail("dtype '\(descr)' is not supported; save the attention as float32 or float64")
        }
        let bigEndian = descr.first == ">"
        guard Self.field("fortran_order", in: header) == "False" else {
            throw fail("Fortran-ordered arrays are not supported; save numpy.ascontiguousarray(a)")
        }
        guard let shapeText = Self.field("shape", in: header) else { throw fail("the header has no 'shape'") }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .compactMap { Int($0) }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        let body = headerStart + headerLength
        guard shape.allSatisfy({ $0 >= 0 }), bytes.count - body == count * width else {
            throw fail("the data holds \(bytes.count - body) bytes, but shape \(shape) of \(descr) needs \(count * width)")
        }
        var values = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            for index in 0..<count {
                let offset = body + index * width
                if width == 4 {
                    let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                    values[index] = Float(bitPattern: bigEndian ? bits.byteSwapped : bits)
                } else {
                    let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    values[index] = Float(Double(bitPattern: bigEndian ? bits.byteSwapped : bits))
                }
            }
        }
        self.shape = shape
        self.values = values
    }

    /// The text of a header field's value (the header is a Python dict literal).
    private static func field(_ name: String, in header: String) -> String? {
        guard let key = header.range(of: "'\(name)':") else { return nil }
        let rest = header[key.upperBound...].trimmingCharacters(in: .whitespaces)
        if rest.hasPrefix("(") { return rest.firstIndex(of: ")").map { String(rest[...$0]) } }
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }
}
