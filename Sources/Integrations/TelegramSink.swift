import Foundation

/// Alerts through the Telegram Bot API: `sendMessage` (split at Telegram's 4 096-character
/// limit) and `sendPhoto` with the alignment heatmap when there is one. The bot token comes
/// from an environment variable and is redacted from every log line and error.
public struct TelegramSink: AlertSink {
    public let name = "telegram"
    /// Telegram's limit on one message's text.
    public static let messageLimit = 4_096
    private let token: String
    private let chatID: String
    private let apiBase: URL
    private let poster: HTTPPoster
    /// The redactor that hides the token.
    public let redactor: SecretRedactor

    /// A configuration that cannot work.
    public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
        /// What is missing.
        public let description: String
    }

    /// A sink for `chatID`, with the token read from `tokenVariable`. `apiBase` is Telegram's
    /// API unless a test points it elsewhere.
    public init(chatID: String, tokenVariable: String = "TELEGRAM_BOT_TOKEN",
                environment: [String: String] = ProcessInfo.processInfo.environment,
                apiBase: URL? = nil, timeout: Duration = .seconds(10)) throws {
        guard let base = apiBase ?? URL(string: "https://api.telegram.org") else {
            throw ConfigurationError(description: "no Telegram API address")
        }
        guard let token = environment[tokenVariable], !token.isEmpty else {
            throw ConfigurationError(description: "the Telegram bot token is not set: export \(tokenVariable)=<token from @BotFather>")
        }
        self.token = token
        self.chatID = chatID
        self.apiBase = base
        redactor = SecretRedactor(secrets: [token])
        poster = HTTPPoster(timeout: timeout, redactor: redactor)
    }

    public func deliver(_ alert: Alert, repeats: Int) async throws {
        for chunk in Self.split(alert.text(repeats: repeats)) {
            let body = try JSONSerialization.data(withJSONObject: ["chat_id": chatID, "text": chunk, "disable_web_page_preview": true])
            try check(try await poster.post(method("sendMessage"), body: body, contentType: "application/json"))
        }
        if let image = alert.imagePath, let png = FileManager.default.contents(atPath: image) {
            let boundary = "smarttuner-\(UUID().uuidString)"
            var form = Data()
            func field(_ name: String, _ value: String) {
                form.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
            }
            field("chat_id", chatID)
            field("caption", String(alert.title.prefix(1_024)))
            form.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"attention.png\"\r\nContent-Type: image/png\r\n\r\n".utf8))
            form.append(png)
            form.append(Data("\r\n--\(boundary)--\r\n".utf8))
            try check(try await poster.post(method("sendPhoto"), body: form, contentType: "multipart/form-data; boundary=\(boundary)"))
        }
    }

    private func method(_ name: String) -> URL {
        apiBase.appendingPathComponent("bot\(token)").appendingPathComponent(name)
    }

    private func check(_ response: Data) throws {
        let object = try? JSONSerialization.jsonObject(with: response) as? [String: Any]
        if object?["ok"] as? Bool == false {
            throw AlertDeliveryError(redactor.redact("Telegram refused: \(object?["description"] ?? "no reason")"), retryable: false)
        }
    }

    /// Splits text into chunks of at most ``messageLimit`` characters, at line breaks where it can.
    public static func split(_ text: String) -> [String] {
        guard text.count > messageLimit else { return [text] }
        var chunks: [String] = []
        var rest = Substring(text)
        while rest.count > messageLimit {
            let window = rest.prefix(messageLimit)
            let cut = window.lastIndex(of: "\n").map { rest.index(after: $0) } ?? window.endIndex
            chunks.append(String(rest[..<cut]))
            rest = rest[cut...]
        }
        if !rest.isEmpty { chunks.append(String(rest)) }
        return chunks
    }
}
