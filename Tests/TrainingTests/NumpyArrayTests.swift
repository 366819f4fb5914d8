import Foundation
import Testing
import TestScratch

@testable import Training

@Suite("NumPy files", .scratch)
struct NumpyArrayTests {
    /// A `.npy` file (version 1) holding `values` with `shape` as `descr`.
    static func npy(_ values: [Double], shape: [Int], descr: String = "<f4", fortran: Bool = false) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        let bigEndian = descr.hasPrefix(">")
        for value in values {
            if descr.hasSuffix("f4") {
                let bits = Float(value).bitPattern
                withUnsafeBytes(of: bigEndian ? bits.bigEndian : bits.littleEndian) { data.append(contentsOf: $0) }
            } else {
                let bits = value.bitPattern
                withUnsafeBytes(of: bigEndian ? bits.bigEndian : bits.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    @Test("float32, float64 and big-endian files read back exactly", arguments: ["<f4", "<f8", ">f4", ">f8"])
    func dtypes(descr: String) throws {
        let values = [0.5, 0.25, 0.25, 0, 1, 0]
        let array = try NumpyArray(npy: Self.npy(values, shape: [2, 3], descr: descr))
        #expect(array.shape == [2, 3])
        #expect(array.values == values.map(Float.init))
    }

    @Test("float16 attention and integer token indices (what the Python client writes) are read, whatever numpy's byte order")
    func halfAndIntegers() throws {
        let path = Scratch.path("np", suffix: "")
        defer { for suffix in ["-h.npy", "-i.npy", "-b.npy"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let script = """
            import numpy as np, sys
            p = sys.argv[1]
            np.save(p + "-h.npy", (np.arange(6, dtype=np.float32).reshape(2, 3) / 8).astype(np.float16))
            np.save(p + "-i.npy", np.array([[0, 1, 2], [5, -1, 70000]], dtype=np.int64))
            np.save(p + "-b.npy", np.array([1, 300, 2], dtype='>i2'))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        try process.run()
        process.waitForExit()
        try #require(process.terminationStatus == 0)
        let half = try NumpyArray(npy: try Data(contentsOf: URL(fileURLWithPath: path + "-h.npy")))
        #expect(half.shape == [2, 3] && half.values == [0, 0.125, 0.25, 0.375, 0.5, 0.625])
        let integers = try NumpyArray(npy: try Data(contentsOf: URL(fileURLWithPath: path + "-i.npy")))
        #expect(integers.values == [0, 1, 2, 5, -1, 70_000])
        #expect(try NumpyArray(npy: try Data(contentsOf: URL(fileURLWithPath: path + "-b.npy"))).values == [1, 300, 2])
    }

    @Test("a file NumPy itself wrote is read (when Python and NumPy are present, as scripts/test.sh ensures)")
    func realNumpyFile() throws {
        let path = Scratch.path("np", suffix: ".npy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import numpy as np, sys; np.save(sys.argv[1], np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 10)", path]
        try process.run()
        process.waitForExit()
        try #require(process.terminationStatus == 0)
        let array = try NumpyArray(npy: try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(array.shape == [2, 3, 4])
        #expect(array.values == (0..<24).map { Float(Double($0) / 10) })
    }

    @Test("malformed files get errors that say what would be valid")
    func malformed() {
        let cases: [(Data, String)] = [
            (Data("hello".utf8), "not a NumPy"),
            (Self.npy([1, 2], shape: [2], descr: "<c8"), "float16, float32 or float64"),
            (Self.npy([1, 2], shape: [2], descr: "<f1"), "not supported"),
            (Self.npy([], shape: [1 << 40, 1 << 40]), "more than can be addressed"),
            (Self.npy([1, 2, 3, 4], shape: [2, 2], fortran: true), "Fortran"),
            (Self.npy([1, 2, 3], shape: [2, 2]), "needs 16"),
            (Data([0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0]), "version 9"),
        ]
        for (data, mention) in cases {
            let error = #expect(throws: NumpyArray.FormatError.self) { try NumpyArray(npy: data, name: "x.npy") }
            #expect(error?.description.contains(mention) == true, "\(String(describing: error))")
        }
    }
}
