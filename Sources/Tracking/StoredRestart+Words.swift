import Foundation
import StudyStore
import Training

extension StoredRestart {
    /// The restart in words, as tracking systems show it: "generation 1 (hot, same process)
    /// after divergence: learning_rate 0.001 → 0.0003, from checkpoint_40.pth. Evidence: …".
    public var words: String {
        let changes = changes.isEmpty ? "no parameter changes" : changes.map(\.description).joined(separator: ", ")
        let from = checkpoint.map { " from " + ($0 as NSString).lastPathComponent } ?? " from scratch"
        return "generation \(generation) (\(kind.words)) after \(cause.words): \(changes),\(from). Evidence: \(evidence)"
    }
}
