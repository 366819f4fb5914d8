import Foundation

/// Numbers as people read them in SmartTuner's human output: four significant digits, in
/// exponent form when very small or large (`0.009261`, `0.4221`, `1500`, `2.500e-05`). `--json` output
/// keeps full precision.
public enum HumanNumber {
    /// `value` at four significant digits.
    public static func text(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity") }
        if value == value.rounded(), abs(value) < 1e7 { return String(Int(value)) }
        let magnitude = abs(value)
        return String(format: magnitude < 1e-4 || magnitude >= 1e5 ? "%.3e" : "%.4g", value)
    }
}
