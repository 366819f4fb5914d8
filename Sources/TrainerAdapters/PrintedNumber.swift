import Foundation

/// A number as a trainer prints it: `0.52`, `1e-05`, `nan`, `inf`, `-Infinity`, and torch's
/// `tensor(5.0313)` or `tensor(5.0313, device='cuda:0')`.
public enum PrintedNumber {
    /// The value of `text`, or `nil` when it is not a number.
    public static func value(_ text: String) -> Double? {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        if body.hasPrefix("tensor(") {
            body = body.dropFirst("tensor(".count)
            body = body.prefix { $0 != "," && $0 != ")" }
        }
        switch body.lowercased() {
        case "nan", "-nan", "+nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return Double(body)
        }
    }
}
