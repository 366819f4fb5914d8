import Foundation
import SmartTuner

/// Text made safe for HTML: every page and plot builds its markup from ``HTML/escape(_:)``ed
/// values, so nothing a study file holds (a study name, an error message, a parameter) can
/// become markup.
enum HTML {
    /// `text` with `&`, `<`, `>`, `"` and `'` escaped, for element content and quoted attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// `component` escaped for a URL path segment.
    static func pathComponent(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? ""
    }

    /// A number as pages show it (``HumanNumber``), or a dash for none.
    static func number(_ value: Double?) -> String { value.map(HumanNumber.text) ?? "—" }
}
