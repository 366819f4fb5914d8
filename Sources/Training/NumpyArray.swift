import Foundation

/// A numeric array read from a NumPy `.npy` file (format versions 1–3): little- or big-endian
/// float16, float32 or float64, or signed or unsigned integers of 1 to 8 bytes (token indices),
/// C order, any number of dimensions. Values are converted to `Float` (integers exactly up to 2²⁴).
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

    /// An array of `values` in C order with `shape` (their counts must agree).
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
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
        guard let element = Element(descr: descr) else {
            throw fail("dtype '\(descr)' is not supported; save attention as float16, float32 or float64 and token indices as integers")
        }
        let width = element.width
        let bigEndian = descr.first == ">"
        guard Self.field("fortran_order", in: header) == "False" else {
            throw fail("Fortran-ordered arrays are not supported; save numpy.ascontiguousarray(a)")
        }
        guard let shapeText = Self.field("shape", in: header) else { throw fail("the header has no 'shape'") }
        let dimensions = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = dimensions.compactMap { Int($0) }
        guard shape.count == dimensions.count else { throw fail("the shape \(shapeText) is not a tuple of whole numbers") }
        // A shape whose size overflows (a corrupt or hostile header) is an error, never a trap.
        var count = 1, overflow = false
        for dimension in shape {
            let (product, over) = count.multipliedReportingOverflow(by: max(dimension, 0))
            (count, overflow) = (product, overflow || over)
        }
        let (needed, over) = count.multipliedReportingOverflow(by: width)
        let body = headerStart + headerLength
        guard shape.allSatisfy({ $0 >= 0 }), !overflow, !over, bytes.count - body == needed else {
            throw fail("the data holds \(bytes.count - body) bytes, but shape \(shape) of \(descr) needs \(overflow || over ? "more than can be addressed" : String(needed))")
        }
        var values = [Float](repeating: 0, count: count)
        let swapped = bigEndian && width > 1
        data.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { out in
                for index in 0..<count {
                    out[index] = element.value(in: raw, at: body + index * width, swapped: swapped)
                }
            }
        }
        self.shape = shape
        self.values = values
    }

    /// The element types this reader takes.
    private enum Element {
        case float(Int), signed(Int), unsigned(Int)

        init?(descr: String) {
            guard let kind = descr.dropFirst().first, let width = Int(descr.dropFirst(2)), [1, 2, 4, 8].contains(width),
                  ["<", ">", "|", "="].contains(descr.first) else { return nil }
            switch kind {
            case "f" where width >= 2: self = .float(width)
            case "i": self = .signed(width)
            case "u": self = .unsigned(width)
            default: return nil
            }
        }

        var width: Int {
            switch self { case .float(let w), .signed(let w), .unsigned(let w): return w }
        }

        func value(in raw: UnsafeRawBufferPointer, at offset: Int, swapped: Bool) -> Float {
            switch self {
            case .float(2):
                let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
                return Float(Float16(bitPattern: swapped ? bits.byteSwapped : bits))
            case .float(4):
                let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                return Float(bitPattern: swapped ? bits.byteSwapped : bits)
            case .float:
                let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                return Float(Double(bitPattern: swapped ? bits.byteSwapped : bits))
            case .signed(1): return Float(raw.loadUnaligned(fromByteOffset: offset, as: Int8.self))
            case .signed(2): return Float(Int16(bitPattern: Self.bits(raw, offset, UInt16.self, swapped)))
            case .signed(4): return Float(Int32(bitPattern: Self.bits(raw, offset, UInt32.self, swapped)))
            case .signed: return Float(Int64(bitPattern: Self.bits(raw, offset, UInt64.self, swapped)))
            case .unsigned(1): return Float(raw.loadUnaligned(fromByteOffset: offset, as: UInt8.self))
            case .unsigned(2): return Float(Self.bits(raw, offset, UInt16.self, swapped))
            case .unsigned(4): return Float(Self.bits(raw, offset, UInt32.self, swapped))
            case .unsigned: return Float(Self.bits(raw, offset, UInt64.self, swapped))
            }
        }

        private static func bits<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _ offset: Int, _: T.Type, _ swapped: Bool) -> T {
            let bits = raw.loadUnaligned(fromByteOffset: offset, as: T.self)
            return swapped ? bits.byteSwapped : bits
        }
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
