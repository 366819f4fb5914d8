import Foundation

/// The model seeds the fixtures train with: `SMARTTUNER_FIXTURE_SEEDS` (comma-separated
/// integers ≥ 0, e.g. `1,2,3`), or seed 1. The fixtures assert properties that must hold on
/// every seed and every floating-point path of the CPU, not one trajectory; CI runs seed 1, and
/// a change to the model or its judging is checked on several (see README.md).
enum FixtureSeeds {
    static let values: [Int] = {
        guard let text = ProcessInfo.processInfo.environment["SMARTTUNER_FIXTURE_SEEDS"], !text.isEmpty else { return [1] }
        // A value that is not a seed is kept as -1, which the fixtures reject with a clear message.
        return text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)).flatMap { $0 >= 0 ? $0 : nil } ?? -1 }
    }()

    static let invalid = "SMARTTUNER_FIXTURE_SEEDS must be comma-separated integers ≥ 0, e.g. 1,2,3"
}
