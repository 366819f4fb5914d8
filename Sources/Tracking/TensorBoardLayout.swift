import Foundation

/// Where a study's TensorBoard data goes under the `tracking.tensorboard` folder
/// (docs/tracking.md), so that `tensorboard --logdir <root>/<study>` shows:
/// - `<study>/`: the HParams experiment (which parameters and metrics the table has);
/// - `<study>/trial-0007/`: trial 7's HParams session (its parameters, how it ended), its final
///   objective and alignment, its restarts as text, its outcome;
/// - `<study>/trial-0007/g1/`: the curves of generation 1 (losses, gradient norm, learning
///   rate, alignment metrics, objective) and its checkpoints' attention heatmaps.
///
/// One folder per generation keeps every series in step order: a generation resumed from step
/// 40 after its predecessor reached step 60 starts a new line at 40 instead of folding back
/// over the old one, and the old line stays as it was.
public struct TensorBoardLayout: Sendable, Hashable {
    /// The `tracking.tensorboard` folder.
    public let root: String
    /// The study's name.
    public let study: String

    /// The layout of `study` under `root`.
    public init(root: String, study: String) {
        self.root = root
        self.study = study
    }

    /// The study's folder (what `--logdir` names).
    public var studyDirectory: String { (root as NSString).appendingPathComponent(Self.safe(study)) }

    /// Trial `number`'s folder.
    public func trialDirectory(_ number: Int) -> String {
        (studyDirectory as NSString).appendingPathComponent(Self.trialName(number))
    }

    /// The folder of generation `generation` of trial `number`.
    public func generationDirectory(_ number: Int, generation: Int) -> String {
        (trialDirectory(number) as NSString).appendingPathComponent("g\(generation)")
    }

    /// `trial-0007`: runs sort in number order.
    public static func trialName(_ number: Int) -> String { "trial-" + String(format: "%04d", number) }

    /// A study name as a folder name (path separators and leading dots replaced).
    static func safe(_ name: String) -> String {
        let replaced = String(name.map { $0 == "/" || $0 == "\\" ? "_" : $0 })
        return replaced.hasPrefix(".") ? "_" + replaced.dropFirst() : (replaced.isEmpty ? "_" : replaced)
    }
}
