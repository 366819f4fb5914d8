import Training

/// Turns a trainer's output lines into training events, by its ``ProgressSettings``. A plain
/// value fed line by line; it keeps the block being read and the last step seen.
public struct ProgressReader: Sendable {
    /// What one line (or the end of a block) produced.
    public enum Reading: Sendable, Hashable {
        /// A training step (in the trial's steps).
        case step(StepMetrics)
        /// A validation (in the trial's steps), with no attention.
        case validation(ValidationMetrics)
        /// A line matched a rule but could not be read: counted and reported, never fatal.
        case problem(String)
    }

    /// The rules.
    public let settings: ProgressSettings
    /// Added to every printed step after ``ProgressSettings/stepOffset`` (a trainer resumed
    /// with weights only counts from 0 again; the trial does not).
    public var stepBase: Int
    /// The last training step read (in the trial's steps), 0 before any.
    public private(set) var lastStep = 0  // (see noteStep)
    /// Lines that matched a rule.
    public private(set) var matchedLines = 0
    private var open: (block: ProgressSettings.Block, step: Int?, values: [String: String])?

    /// Creates a reader.
    public init(settings: ProgressSettings, stepBase: Int = 0) {
        self.settings = settings
        self.stepBase = stepBase
    }

    /// Reads one line (ANSI colour codes already removed).
    public mutating func read(_ line: String) -> [Reading] {
        var readings: [Reading] = []
        if let current = open {
            if let field = current.block.field.match(line), let name = field["name"], let value = field["value"] {
                matchedLines += 1
                open?.values[name] = value
                if name == current.block.lastField { readings += close() }
                return readings
            }
            if line.allSatisfy(\.isWhitespace) { return [] }
            readings += close()
        }
        for pattern in settings.stepLines {
            guard var values = pattern.match(line) else { continue }
            matchedLines += 1
            let printed = values.removeValue(forKey: "step")
            return readings + [record(.step, printed: printed, values: values, rule: pattern.source)]
        }
        for pattern in settings.validationLines {
            guard var values = pattern.match(line) else { continue }
            matchedLines += 1
            let printed = values.removeValue(forKey: "step")
            return readings + [record(.validation, printed: printed, values: values, rule: pattern.source)]
        }
        for block in settings.blocks {
            guard let header = block.header.match(line) else { continue }
            matchedLines += 1
            open = (block, nil, [:])
            if let printed = header["step"] {
                guard let step = Int(printed) else {
                    open = nil
                    return readings + [.problem("'\(line)' matched \(block.header.source) but its step '\(printed)' is not a whole number")]
                }
                open?.step = step
            }
            return readings
        }
        return readings
    }

    /// Notes a training step read from another stream: a validation without a step of its own
    /// belongs to the newest step, whichever stream printed it.
    public mutating func noteStep(_ step: Int) { lastStep = max(lastStep, step) }

    /// Closes the block being read, if any (the output ended).
    public mutating func finish() -> [Reading] { close() }

    private mutating func close() -> [Reading] {
        guard let current = open else { return [] }
        open = nil
        let kind: ProgressSettings.Block.Kind = current.block.kind
        return [record(kind, printed: current.step.map(String.init), values: current.values, rule: current.block.header.source)]
    }

    private mutating func record(_ kind: ProgressSettings.Block.Kind, printed: String?, values: [String: String], rule: String) -> Reading {
        let step: Int
        if let printed {
            guard let value = Int(printed) else { return .problem("a line matched \(rule) but its step '\(printed)' is not a whole number") }
            step = value + settings.stepOffset + stepBase
        } else if kind == .validation {
            step = lastStep
        } else {
            return .problem("a training step matched \(rule) without a step")
        }
        var numbers: [String: Double] = [:]
        for (name, text) in values where !settings.roles.ignored.contains(name) {
            if let marker = settings.roles.nonFiniteMarkers[name], text.trimmingCharacters(in: .whitespaces) == marker {
                numbers[name] = .nan
                continue
            }
            guard let number = PrintedNumber.value(text) else {
                return .problem("step \(step): the value of '\(name)' is '\(text)', not a number (\(rule))")
            }
            numbers[name] = number
        }
        let reading = settings.roles.reading(kind, step: step, numbers: numbers, rule: rule)
        if case .step = reading { lastStep = max(lastStep, step) }
        return reading
    }
}

/// Removes ANSI escape sequences (colours, bold, cursor moves) from a line of output.
public enum ANSIText {
    /// `line` without its escape sequences.
    public static func strip(_ line: String) -> String {
        guard line.contains("\u{1B}") else { return line }
        var result = ""
        var characters = line.unicodeScalars.makeIterator()
        while let scalar = characters.next() {
            guard scalar == "\u{1B}" else {
                result.unicodeScalars.append(scalar)
                continue
            }
            // CSI: ESC [ parameters final-byte (0x40–0x7E); other escapes take one character.
            guard let introducer = characters.next() else { break }
            if introducer == "[" {
                while let byte = characters.next(), !(0x40...0x7E).contains(byte.value) {}
            }
        }
        return result
    }
}
