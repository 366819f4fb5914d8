import Foundation

/// A validation's attention given by reference (protocol 2): the script saved the padded batch
/// as `.npy` files — attention B×T×N as float16 or float32 (float64 is read too), gate logits
/// B×T, true alignments B×T integers — and sends their paths with each utterance's lengths.
///
/// The tuner reads them with ``NumpyArray``, cuts them with ``PaddedAttentionBatch``, checks
/// them as any report data, and deletes the files it read once they are analysed (files
/// outside the incarnation's checkpoint directory are read and left alone).
public struct AttentionBatchFiles: Sendable, Hashable, Codable {
    /// The attention file.
    public var attention: String
    /// Valid frames of each utterance.
    public var frames: [Int]
    /// Valid tokens of each utterance.
    public var tokens: [Int]
    /// The gate (stop) logits file, if any.
    public var gateLogits: String?
    /// The true-alignment file (token index per frame), if any.
    public var trueAlignment: String?

    /// Creates a reference.
    public init(attention: String, frames: [Int], tokens: [Int], gateLogits: String? = nil, trueAlignment: String? = nil) {
        self.attention = attention
        self.frames = frames
        self.tokens = tokens
        self.gateLogits = gateLogits
        self.trueAlignment = trueAlignment
    }

    enum CodingKeys: String, CodingKey {
        case attention, frames, tokens
        case gateLogits = "gate_logits"
        case trueAlignment = "true_alignment"
    }

    /// Every file it names.
    public var paths: [String] { [attention] + [gateLogits, trueAlignment].compactMap { $0 } }

    /// Reads and cuts the batch.
    /// - Throws: ``ReportDataError`` (the trainer's fault) naming the file and what is wrong: a
    ///   missing or unreadable file, not a `.npy` of a supported dtype, or shapes that do not fit.
    public func load(step: Int) throws(ReportDataError) -> [AttentionSample] {
        func read(_ path: String, _ what: String) throws(ReportDataError) -> NumpyArray {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
            } catch {
                throw ReportDataError(step: step, sample: nil, kind: .unreadable,
                                      problem: "the \(what) file \(path) cannot be read (\(Self.reason(error))); write it before sending the validation")
            }
            do {
                return try NumpyArray(npy: data, name: "the \(what) file \(path)")
            } catch {
                throw ReportDataError(step: step, sample: nil, kind: .unreadable, problem: "\(error)")
            }
        }
        let attention = try read(self.attention, "attention")
        let gates = try gateLogits.map { path throws(ReportDataError) in try read(path, "gate logits") }
        let truth = try trueAlignment.map { path throws(ReportDataError) in try read(path, "true alignment") }
        do {
            return try PaddedAttentionBatch(attention: attention, frames: frames, tokens: tokens,
                                            gateLogits: gates, trueAlignment: truth).samples
        } catch {
            throw ReportDataError(step: step, sample: error.sample, kind: .shape, problem: "\(self.attention): \(error.problem)")
        }
    }

    /// Deletes the files that lie inside `directory` (the incarnation's checkpoint directory).
    public func remove(within directory: String) {
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path + "/"
        for path in paths where URL(fileURLWithPath: path).standardizedFileURL.path.hasPrefix(root) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain, let text = strerror(Int32(code)) {
            return String(cString: text)
        }
        return (error as NSError).localizedDescription
    }
}
