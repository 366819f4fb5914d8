import Foundation

/// A PNG file's bytes and size, as TensorBoard's images dashboard takes them.
struct PNGImage {
    let bytes: [UInt8]
    let width: Int
    let height: Int

    /// The PNG at `path`, or `nil` when it is missing or not a PNG (its `IHDR` gives the size).
    init?(path: String) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 24, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
        func word(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        self.bytes = bytes
        width = word(16)
        height = word(20)
    }
}
