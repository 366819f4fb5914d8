import Foundation
import TensorBoardEvents

/// One TensorBoard run folder as SmartTuner feeds it: what its event files already hold is read
/// once (every record's CRC checked; a file with a corrupt record is reported and counts as
/// holding nothing), and only
/// values not there yet are appended, in a new event file of this writer's. Feeding the same
/// study twice therefore writes nothing the second time.
///
/// Not thread-safe: one owner (``TensorBoardProjection``) uses it.
final class TensorBoardRun {
    /// A value's identity in a run: TensorBoard keeps one series per tag, ordered by step.
    struct Key: Hashable {
        let tag: String
        let step: Int64
    }

    /// The folder.
    let directory: String
    /// What reading the folder's files found wrong.
    private(set) var problems: [String] = []
    private var present: Set<Key> = []
    private var writer: EventFileWriter?
    private let fileSuffix: String

    /// Reads what `directory`'s event files hold; `fileSuffix` ends the names of the files this
    /// writer starts (TensorBoard reads every `events.out.tfevents.*` file of a folder, in name order).
    init(directory: String, fileSuffix: String) {
        self.directory = directory
        self.fileSuffix = fileSuffix
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasPrefix("events.out.tfevents.") {
            var reader = TFRecordReader(path: (directory as NSString).appendingPathComponent(name))
            let (records, found) = reader.read(final: true)
            problems += found.map { "\(name): \($0)" }
            // TensorBoard stops reading a file at a record that fails its CRC: such a file counts
            // as holding nothing, and what it held is written again. (A record cut off at the end,
            // by a writer that was killed, leaves the records before it readable.)
            if found.contains(where: { if case .truncated = $0 { false } else { true } }) { continue }
            for record in records {
                guard let event = try? TensorBoardEvent(record: record) else {
                    problems.append("\(name): a record that is not a TensorBoard event")
                    continue
                }
                for tag in event.scalars.keys { present.insert(Key(tag: tag, step: event.step)) }
                for tag in event.otherTags { present.insert(Key(tag: tag, step: event.step)) }
            }
        }
    }

    /// Whether the folder holds a value of `tag` at `step`.
    func holds(_ tag: String, step: Int64) -> Bool { present.contains(Key(tag: tag, step: step)) }

    /// Appends those of `values` the folder does not hold at `step`; returns how many.
    /// - Throws: ``EventFileWriter/WriteError``.
    @discardableResult
    func append(step: Int64, wallTime: Double, values: [SummaryValue], now: Double) throws -> Int {
        let missing = values.filter { !present.contains(Key(tag: $0.tag, step: step)) }
        guard !missing.isEmpty else { return 0 }
        let writer = try self.writer ?? startFile(now: now)
        try writer.append(step: step, wallTime: wallTime, values: missing)
        for value in missing { present.insert(Key(tag: value.tag, step: step)) }
        return missing.count
    }

    /// Makes what was appended durable and closes the file (a later append starts a new one).
    func finish() throws {
        guard let writer else { return }
        self.writer = nil
        try writer.synchronize()
        try writer.close()
    }

    private func startFile(now: Double) throws -> EventFileWriter {
        for attempt in 0..<1000 {
            do {
                let writer = try EventFileWriter(directory: directory, wallTime: now, name: attempt == 0 ? fileSuffix : "\(fileSuffix).\(attempt)")
                self.writer = writer
                return writer
            } catch let error as EventFileWriter.WriteError where error.exists {
                continue
            }
        }
        throw EventFileWriter.WriteError(path: directory, reason: "no free event file name in the folder (1 000 tried)")
    }
}
