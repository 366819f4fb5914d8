import Foundation
import Testing
import TestScratch

@testable import TensorBoardEvents

/// The fixture torch's SummaryWriter wrote (Fixtures/make_fixture.py).
let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/scalars.tfevents").path

@Suite("TensorBoard event files", .scratch)
struct EventFileTests {
    @Test("CRC-32C and its mask match the published check value and TensorFlow's framing")
    func crc() throws {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture)))
        #expect(CRC32C.masked(bytes[0..<8]) == bytes[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    @Test("torch's event file: every scalar by tag and step (simple values, a new-style tensor scalar, NaN), the image skipped")
    func torchFile() throws {
        var reader = TFRecordReader(path: fixture)
        let (records, problems) = reader.read(final: true)
        #expect(problems.isEmpty)
        let events = try records.map(TensorBoardEvent.init(record:))
        #expect(events.first?.fileVersion == "brain.Event:2")
        let losses = events.compactMap { event in event.scalars["TrainIterStats/loss"].map { (event.step, $0) } }
        #expect(losses.count == 3 && losses[0] == (0, 4.5) && losses[1] == (1, 3.25) && losses[2].0 == 2 && losses[2].1.isNaN, "\(losses)")
        #expect(events.contains { $0.step == 3 && $0.scalars["EvalStats/avg_loss"] == 3.0 }, "the new-style scalar")
        #expect(!events.contains { $0.scalars.keys.contains("EvalFigures/alignment") }, "an image is no scalar")
    }

    @Test("a file read while it is written: a record cut off is read once its rest arrives; at the end it is a problem")
    func growingFile() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture))
        let path = try Scratch.folder("tfevents") + "/events.out.tfevents.1.host"
        var reader = TFRecordReader(path: path)
        try bytes.prefix(100).write(to: URL(fileURLWithPath: path))
        let first = reader.read()
        #expect(first.problems.isEmpty && first.records.count == 1, "the first record (72 bytes + 16) is whole; the second is cut")
        try bytes.write(to: URL(fileURLWithPath: path))
        let rest = reader.read()
        #expect(rest.problems.isEmpty && rest.records.count > 1)
        var truncated = TFRecordReader(path: path)
        try bytes.prefix(bytes.count - 3).write(to: URL(fileURLWithPath: path))
        let cut = truncated.read(final: true)
        guard case .truncated(_, let missing)? = cut.problems.last else {
            Issue.record("\(cut.problems)")
            return
        }
        #expect(missing == 3)
    }

    @Test("a bad data CRC skips that record and reading goes on; a bad length CRC stops the file; a rewritten file is read again")
    func corruption() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture)))
        let folder = try Scratch.folder("tfevents-bad")
        let path = folder + "/events.out.tfevents.2.host"
        var flipped = bytes
        flipped[20] ^= 0xFF   // inside the first record's data
        try Data(flipped).write(to: URL(fileURLWithPath: path))
        var reader = TFRecordReader(path: path)
        let read = reader.read(final: true)
        let framed = try TFRecordReader.count(bytes)
        #expect(read.problems.count == 1 && read.records.count == framed - 1, "\(read.problems)")
        guard case .corruptData(let offset, _)? = read.problems.first else {
            Issue.record("\(read.problems)")
            return
        }
        #expect(offset == 0)
        var badLength = bytes
        badLength[2] ^= 0x01
        try Data(badLength).write(to: URL(fileURLWithPath: path))
        var stopped = TFRecordReader(path: path)
        let none = stopped.read(final: true)
        #expect(none.records.isEmpty && none.problems == [.corruptLength(offset: 0)] && stopped.stopped)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var again = TFRecordReader(path: path)
        _ = again.read()
        try Data(bytes.prefix(88)).write(to: URL(fileURLWithPath: path))
        let shrunk = again.read()
        #expect(shrunk.problems.first == .shrank(from: UInt64(bytes.count), to: 88) && shrunk.records.count == 1)
        // The tail reports problems with the file's name and goes on with the other files.
        var tail = EventFileTail(directory: folder)
        try Data(flipped).write(to: URL(fileURLWithPath: folder + "/events.out.tfevents.3.host"))
        let polled = tail.poll(final: true)
        #expect(polled.problems.contains { $0.hasPrefix("events.out.tfevents.3.host: the 72-byte record at byte 0 fails its CRC") }, "\(polled.problems)")
        #expect(polled.events.count >= 1)
    }

    @Test("malformed protocol buffers are errors, never traps")
    func malformed() {
        for bad: [UInt8] in [[0x0A, 0x05, 0x01], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x0B], [0x11, 0x00]] {
            #expect(throws: (any Error).self, "\(bad)") { _ = try TensorBoardEvent(record: bad) }
        }
        let random = (0..<2_000).map { seed -> [UInt8] in
            var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
            return (0..<(seed % 40)).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
        }
        for bytes in random { _ = try? TensorBoardEvent(record: bytes) }
    }
}

extension TFRecordReader {
    /// How many records `bytes` frames (lengths only; for the tests' arithmetic).
    static func count(_ bytes: [UInt8]) throws -> Int {
        var count = 0
        var position = 0
        while position + 12 <= bytes.count {
            let length = bytes[position..<position + 8].reversed().reduce(0) { $0 << 8 | Int($1) }
            position += 12 + length + 4
            count += 1
        }
        return count
    }
}

@Suite("TensorBoard event file writer", .scratch)
struct EventFileWriterTests {
    @Test("what the writer writes reads back: file version first, scalars by tag and step (NaN too), other values by tag; no file is overwritten")
    func roundTrip() throws {
        let folder = try Scratch.folder("tfevents-write")
        let writer = try EventFileWriter(directory: folder + "/run", wallTime: 1_700_000_000.5, name: "host.test")
        #expect((writer.path as NSString).lastPathComponent == "events.out.tfevents.1700000000.host.test")
        try writer.append(step: 1, wallTime: 1_700_000_001, values: [.scalar(tag: "train/total", value: 2.5), .scalar(tag: "train/mel", value: .nan)])
        try writer.append(step: 2, wallTime: 1_700_000_002, values: [])
        try writer.append(step: 10, wallTime: 1_700_000_003, values: [
            .scalar(tag: "train/total", value: 1.25), .image(tag: "attention", png: [1, 2, 3], width: 4, height: 2),
            .text(tag: "restarts", markdown: "generation 1"), HParamsSummary.sessionEnd(status: .success, ended: 1_700_000_004),
        ])
        try writer.synchronize()
        try writer.close()
        var reader = TFRecordReader(path: writer.path)
        let (records, problems) = reader.read(final: true)
        #expect(problems.isEmpty && records.count == 3, "an empty append writes nothing")
        let events = try records.map(TensorBoardEvent.init(record:))
        #expect(events[0].fileVersion == "brain.Event:2" && events[0].wallTime == 1_700_000_000.5)
        #expect(events[1].step == 1 && events[1].scalars["train/total"] == 2.5 && events[1].scalars["train/mel"]?.isNaN == true)
        #expect(events[2].step == 10 && events[2].scalars == ["train/total": 1.25] && events[2].wallTime == 1_700_000_003)
        #expect(events[2].otherTags == ["attention", "restarts", "_hparams_/session_end_info"])
        let again = #expect(throws: EventFileWriter.WriteError.self) {
            try EventFileWriter(directory: folder + "/run", wallTime: 1_700_000_000.9, name: "host.test")
        }
        #expect(again?.exists == true)
    }

    @Test("a byte flipped in a written record is reported by the reader and the record is not read as data")
    func corruptedWrite() throws {
        let folder = try Scratch.folder("tfevents-flip")
        let writer = try EventFileWriter(directory: folder, wallTime: 1, name: "flip")
        for step in 1...3 { try writer.append(step: Int64(step), wallTime: Double(step), values: [.scalar(tag: "loss", value: Float(step))]) }
        try writer.close()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: writer.path)))
        let recordLength = (bytes.count - 40) / 3   // the file version record is 40 bytes here
        bytes[40 + recordLength + 14] ^= 0x40     // inside the second scalar's record
        try Data(bytes).write(to: URL(fileURLWithPath: writer.path))
        var reader = TFRecordReader(path: writer.path)
        let (records, problems) = reader.read(final: true)
        let steps = try records.map(TensorBoardEvent.init(record:)).filter { !$0.scalars.isEmpty }.map(\.step)
        #expect(steps == [1, 3] && problems.count == 1, "\(problems)")
    }
}
