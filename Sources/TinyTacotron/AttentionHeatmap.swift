import Foundation

/// An attention matrix drawn as a PNG: decoder frames left to right, tokens bottom to top,
/// weight as colour (dark blue → green → yellow). People look at alignments; they do not read them.
struct AttentionHeatmap {
    let utterance: ValidationUtterance
    /// Pixels per cell.
    let scale: Int

    init(_ utterance: ValidationUtterance, scale: Int = 4) {
        self.utterance = utterance
        self.scale = max(1, scale)
    }

    /// The image as PNG bytes (8-bit RGB, uncompressed deflate blocks).
    func png() -> Data {
        let width = max(1, utterance.frames) * scale
        let height = max(1, utterance.tokens) * scale
        var raw = Data(capacity: height * (1 + width * 3))
        for y in 0..<height {
            raw.append(0)  // filter: none
            let token = utterance.tokens - 1 - y / scale
            for x in 0..<width {
                let frame = x / scale
                let index = frame * utterance.tokens + token
                let weight = index < utterance.attention.count ? utterance.attention[index] : 0
                raw.append(contentsOf: Self.colour(weight))
            }
        }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, 2, 0, 0, 0])  // 8-bit, RGB, deflate, no filter, no interlace
        png.appendChunk("IHDR", header)
        png.appendChunk("IDAT", Self.zlibStored(raw))
        png.appendChunk("IEND", Data())
        return png
    }

    /// A viridis-like ramp.
    static func colour(_ weight: Float) -> [UInt8] {
        let stops: [(Float, Float, Float)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let clamped = min(max(weight.isFinite ? weight : 0, 0), 1) * Float(stops.count - 1)
        let low = min(Int(clamped), stops.count - 2)
        let fraction = clamped - Float(low)
        let (a, b) = (stops[low], stops[low + 1])
        return [UInt8(a.0 + (b.0 - a.0) * fraction), UInt8(a.1 + (b.1 - a.1) * fraction), UInt8(a.2 + (b.2 - a.2) * fraction)]
    }

    /// A zlib stream of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: Data) -> Data {
        var out = Data([0x78, 0x01])
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            out.append(offset + length == data.count ? 1 : 0)
            out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)])
            out.append(data.subdata(in: offset..<(offset + length)))
            offset += length
        } while offset < data.count
        var (a, b): (UInt32, UInt32) = (1, 0)
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        out.appendBigEndian((b << 16) | a)
        return out
    }
}

extension Data {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    mutating func appendChunk(_ type: String, _ body: Data) {
        appendBigEndian(UInt32(body.count))
        let typed = Data(type.utf8) + body
        append(typed)
        appendBigEndian(Self.crc32(typed))
    }

    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
