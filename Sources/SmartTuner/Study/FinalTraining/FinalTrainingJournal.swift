import Foundation
import Logging
import Synchronization
import Training

/// The checkpoints of `auto`'s final training, one JSON line each, flushed to disk as they are
/// written, so that a re-run after the process was killed resumes from the newest good one
/// instead of starting over. Each line names the best trial and the planned steps it belongs
/// to, and the hyperparameters its incarnation ran with (smart restart may have changed them).
public final class FinalTrainingJournal: Sendable {
    /// One checkpoint of the final training: the checkpoint (its fields at the top level of
    /// the line), the trial and planned steps it belongs to, and its incarnation's hyperparameters.
    public struct Entry: Codable, Sendable, Hashable {
        /// The best trial whose parameters were trained.
        public var trial: Int
        /// The planned steps of the final training.
        public var plannedSteps: Int
        /// The checkpoint.
        public var checkpoint: Checkpoint
        /// The hyperparameters the incarnation ran with.
        public var hyperparameters: [String: Double]

        /// Creates an entry.
        public init(trial: Int, plannedSteps: Int, checkpoint: Checkpoint, hyperparameters: [String: Double]) {
            self.trial = trial
            self.plannedSteps = plannedSteps
            self.checkpoint = checkpoint
            self.hyperparameters = hyperparameters
        }

        enum CodingKeys: String, CodingKey {
            case trial, hyperparameters
            case plannedSteps = "planned_steps"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            trial = try c.decode(Int.self, forKey: .trial)
            plannedSteps = try c.decode(Int.self, forKey: .plannedSteps)
            hyperparameters = try c.decode([String: Double].self, forKey: .hyperparameters)
            checkpoint = try Checkpoint(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(trial, forKey: .trial)
            try c.encode(plannedSteps, forKey: .plannedSteps)
            try c.encode(hyperparameters, forKey: .hyperparameters)
            try checkpoint.encode(to: encoder)
        }
    }

    /// How lines are written: a non-finite evaluation as the string "NaN" (or "Infinity").
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    /// The journal's file.
    public let path: String
    private let trial: Int
    private let plannedSteps: Int
    private let logger: Logger
    /// The hyperparameters of each incarnation, from its `started` event.
    private let started = Mutex<[Int: [String: Double]]>([:])

    /// The journal of the final training of `trial`'s parameters for `plannedSteps` steps.
    public init(path: String, trial: Int, plannedSteps: Int, logger: Logger) {
        self.path = path
        self.trial = trial
        self.plannedSteps = plannedSteps
        self.logger = logger
    }

    /// Appends a line for each checkpoint event (and notes each incarnation's hyperparameters).
    /// A journal that cannot be written is logged and skipped: the training goes on, and only
    /// a resume after a kill would lose what the line held.
    public func record(_ event: TrialEvent) {
        switch event {
        case .started(let generation, let hyperparameters, _):
            started.withLock { $0[generation] = hyperparameters }
        case .checkpoint(let checkpoint):
            let entry = Entry(trial: trial, plannedSteps: plannedSteps, checkpoint: checkpoint,
                              hyperparameters: started.withLock { $0[checkpoint.generation] ?? [:] })
            do {
                try append(entry)
            } catch {
                logger.warning("cannot write the final training's journal \(self.path): \(error)")
            }
        default:
            break
        }
    }

    private func append(_ entry: Entry) throws {
        var line = try Self.encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
        try handle.synchronize()
    }

    /// The entries of the journal at `path` that parse; none if the file is missing. Lines cut
    /// short by a kill, or written by hand, are skipped.
    public static func entries(at path: String) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Entry.self, from: Data($0)) }
    }

    /// Where a final training of `trial`'s parameters for `plannedSteps` steps resumes: the
    /// newest good checkpoint of that training, short of the budget (so the
    /// resumed run validates at its end), whose file is present and whose SHA-256 verifies —
    /// `nil` to start over. `generation` is one more than any the journal records for it (0 if
    /// none), so that the new run writes its checkpoints beside the old ones, never over them.
    public static func resumePoint(at path: String, trial: Int, plannedSteps: Int) -> (checkpoint: Entry?, generation: Int) {
        let mine = entries(at: path).filter { $0.trial == trial && $0.plannedSteps == plannedSteps }
        let generation = (mine.map(\.checkpoint.generation).max() ?? -1) + 1
        let usable = mine.filter { !$0.hyperparameters.isEmpty }
        let chosen = Checkpoint.resumePoint(from: usable.map(\.checkpoint), before: plannedSteps)
        return (chosen.flatMap { chosen in usable.last { $0.checkpoint == chosen } }, generation)
    }

}
