import Foundation
import Optimization

/// Optuna's `distribution_json` and `param_value` encodings of parameters.
package enum OptunaDistribution {
    package static func json(_ distribution: Distribution) -> String {
        func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(format: "%.1f", x) : "\(x)" }
        switch distribution {
        case .float(let low, let high, let log, let step):
            return #"{"name": "FloatDistribution", "attributes": {"step": \#(step.map(number) ?? "null"), "low": \#(number(low)), "high": \#(number(high)), "log": \#(log)}}"#
        case .int(let low, let high, let log, let step):
            return #"{"name": "IntDistribution", "attributes": {"log": \#(log), "step": \#(step), "low": \#(low), "high": \#(high)}}"#
        case .categorical(let choices):
            let items = choices.map { choice -> String in
                switch choice {
                case .float(let x): return number(x)
                case .int(let x): return "\(x)"
                case .string(let s): return jsonString(s)
                }
            }
            return #"{"name": "CategoricalDistribution", "attributes": {"choices": [\#(items.joined(separator: ", "))]}}"#
        }
    }

    /// Optuna stores a categorical parameter as its choice's index, numbers as floats.
    package static func internalValue(_ value: ParameterValue, in distribution: Distribution) -> Double? {
        if case .categorical(let choices) = distribution { return choices.firstIndex(of: value).map(Double.init) }
        return value.number
    }

    package static func externalValue(_ stored: Double, in distribution: Distribution) -> ParameterValue? {
        switch distribution {
        case .float: return .float(stored)
        case .int: return .int(Int(stored.rounded()))
        case .categorical(let choices):
            let index = Int(stored)
            return choices.indices.contains(index) ? choices[index] : nil
        }
    }

    /// The distribution of Optuna's `distribution_json` (its current names and the legacy
    /// Uniform/LogUniform/DiscreteUniform/IntUniform/IntLogUniform ones), or `nil` for one
    /// this version cannot read. Categorical choices other than numbers and strings (booleans,
    /// `None`) read as their JSON text.
    package static func distribution(json: String) -> Distribution? {
        guard let stored = try? JSONDecoder().decode(StoredDistribution.self, from: Data(json.utf8)) else { return nil }
        let a = stored.attributes
        switch stored.name {
        case "FloatDistribution", "UniformDistribution", "LogUniformDistribution", "DiscreteUniformDistribution":
            guard let low = a.low, let high = a.high else { return nil }
            return .float(low: low, high: high, log: a.log == true || stored.name == "LogUniformDistribution", step: a.step ?? a.q)
        case "IntDistribution", "IntUniformDistribution", "IntLogUniformDistribution":
            guard let low = a.low, let high = a.high else { return nil }
            return .int(low: Int(low.rounded()), high: Int(high.rounded()), log: a.log == true || stored.name == "IntLogUniformDistribution",
                        step: a.step.map { Int($0.rounded()) } ?? 1)
        case "CategoricalDistribution":
            return a.choices.map { .categorical($0.map(\.value)) }
        default:
            return nil
        }
    }

    private struct StoredDistribution: Decodable {
        struct Attributes: Decodable {
            var low: Double?, high: Double?, step: Double?, q: Double?, log: Bool?, choices: [Choice]?
        }
        var name: String
        var attributes: Attributes
    }

    private struct Choice: Decodable {
        var value: ParameterValue
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let text = try? c.decode(String.self) { value = .string(text) }
            else if let flag = try? c.decode(Bool.self) { value = .string(flag ? "true" : "false") }
            else if let number = try? c.decode(Int.self) { value = .int(number) }
            else if let number = try? c.decode(Double.self) { value = .float(number) }
            else { value = .string("null") }
        }
    }

    static func jsonString(_ s: String) -> String {
        let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Optuna's datetime text, `YYYY-MM-DD HH:MM:SS.ffffff`, in local time as Optuna writes it.
public enum StoreTime {
    /// `date` as the store writes it.
    public static func text(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        let micros = Int((date.timeIntervalSince1970 - Double(seconds)) * 1_000_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }

    /// The date of a stored time text.
    public static func date(_ text: String) -> Date? {
        let pieces = text.split(whereSeparator: { " -:.".contains($0) }).compactMap { Int($0) }
        guard pieces.count >= 6 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(pieces[0] - 1900)
        parts.tm_mon = Int32(pieces[1] - 1)
        parts.tm_mday = Int32(pieces[2])
        parts.tm_hour = Int32(pieces[3])
        parts.tm_min = Int32(pieces[4])
        parts.tm_sec = Int32(pieces[5])
        parts.tm_isdst = -1
        let micros = pieces.count > 6 ? Double(pieces[6]) / 1_000_000 : 0
        return Date(timeIntervalSince1970: Double(mktime(&parts)) + micros)
    }
}
