import Foundation
import Randomness

/// A fault to inject into a training incarnation, written `kind@step` (first incarnation only),
/// `kind@step:N` (incarnation N) or `kind@step:all`; `slow@MS` slows every step by MS ms.
public struct Fault: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What goes wrong.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The loss becomes NaN (the weights are poisoned, so it stays NaN).
        case nan
        /// One step's loss spikes a hundredfold.
        case spike
        /// The gradient norm explodes from this step on.
        case gradexplode
        /// The trainer throws an error.
        case crash
        /// The process aborts (child-process mode only).
        case trap
        /// The trainer stops reporting and waits forever.
        case hang
        /// The trainer allocates past its memory budget.
        case oom
        /// Every step takes this many more milliseconds.
        case slow
    }

    /// The kind.
    public let kind: Kind
    /// The step it fires at (for `slow`, the milliseconds per step).
    public let value: Int
    /// The incarnation it fires in; `nil` for every incarnation.
    public let generation: Int?

    /// Creates a fault.
    public init(_ kind: Kind, at value: Int, generation: Int? = 0) {
        self.kind = kind
        self.value = value
        self.generation = generation
    }

    /// Parses `kind@value[:generation|:all]`.
    /// - Throws: ``FaultPlan/ParseError`` saying what the valid forms are.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = Kind(rawValue: parts[0].lowercased()) else {
            throw FaultPlan.ParseError(text: text, reason: "expected kind@step with kind one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let tail = parts[1].split(separator: ":", maxSplits: 1).map(String.init)
        guard let value = Int(tail[0]), value >= 0 else {
            throw FaultPlan.ParseError(text: text, reason: "'\(tail[0])' is not a step number ≥ 0")
        }
        var generation: Int? = 0
        if tail.count == 2 {
            if tail[1] == "all" {
                generation = nil
            } else if let number = Int(tail[1]), number >= 0 {
                generation = number
            } else {
                throw FaultPlan.ParseError(text: text, reason: "'\(tail[1])' must be an incarnation number or 'all'")
            }
        }
        self.init(kind, at: value, generation: kind == .slow ? nil : generation)
    }

    public var description: String {
        "\(kind.rawValue)@\(value)" + (kind == .slow ? "" : generation.map { $0 == 0 ? "" : ":\($0)" } ?? ":all")
    }

    /// Whether the fault applies to incarnation `generation`.
    public func applies(to generation: Int) -> Bool { self.generation.map { $0 == generation } ?? true }
}

/// The faults of a trial.
public struct FaultPlan: Sendable, Hashable, Codable {
    /// The faults.
    public var faults: [Fault]

    /// A plan of `faults`.
    public init(_ faults: [Fault] = []) { self.faults = faults }

    /// Parses a comma-separated list such as `nan@200,slow@5`.
    public init(parsing text: String) throws {
        faults = try text.split(separator: ",").map { try Fault(parsing: String($0).trimmingCharacters(in: .whitespaces)) }
    }

    /// A fault that cannot be parsed.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The text.
        public let text: String
        /// What is wrong and what would be valid.
        public let reason: String
        public var description: String { "fault '\(text)': \(reason)" }
    }

    /// A seeded random schedule: `count` faults of `kinds` at steps in `steps`, first incarnation.
    public static func random(seed: UInt64, count: Int, kinds: [Fault.Kind], steps: ClosedRange<Int>) -> FaultPlan {
        guard !kinds.isEmpty else { return FaultPlan() }
        var rng = SplitMix64(seed: seed, stream: 11)
        return FaultPlan((0..<max(0, count)).map { _ in
            Fault(kinds[Int(rng.next() % UInt64(kinds.count))], at: rng.integer(in: steps))
        }.sorted { $0.value < $1.value })
    }

    /// The faults of `kind` that fire at `step` in `generation`.
    public func firing(_ kind: Fault.Kind, at step: Int, generation: Int) -> Bool {
        faults.contains { $0.kind == kind && $0.value == step && $0.applies(to: generation) }
    }

    /// Extra milliseconds per step in `generation`.
    public func slowdown(generation: Int) -> Int {
        faults.filter { $0.kind == .slow && $0.applies(to: generation) }.map(\.value).max() ?? 0
    }
}

