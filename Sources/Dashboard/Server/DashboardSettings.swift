/// Where and how the dashboard is served.
public struct DashboardSettings: Sendable, Equatable {
    /// The address to bind: loopback by default, so only this machine sees the pages.
    public var host: String
    /// The port.
    public var port: Int
    /// The token every request must carry (header `Authorization: Bearer …`, a cookie the
    /// dashboard sets, or `?token=` once); required to bind anything but loopback.
    public var token: String?
    /// How often an open live page looks for changes in the store.
    public var pollInterval: Duration

    /// The variable the token is read from.
    public static let tokenVariable = "SMART_TUNER_DASHBOARD_TOKEN"
    /// What a token may be made of (what a cookie carries as it is).
    static let tokenCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=".unicodeScalars)
    /// The shortest token accepted.
    public static let minimumTokenLength = 16

    /// Settings; check them with ``validated()``.
    public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, pollInterval: Duration = .seconds(1)) {
        self.host = host
        self.port = port
        self.token = token
        self.pollInterval = pollInterval
    }

    /// Whether `host` is this machine only.
    public var bindsLoopback: Bool {
        ["localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.")
    }

    /// The settings, or what is wrong with them.
    /// - Throws: ``DashboardSettingsError`` for a port out of range, another address without a
    ///   token, or a token too short to guess hard.
    public func validated() throws -> DashboardSettings {
        guard (1...65_535).contains(port) else { throw DashboardSettingsError("the port must be 1–65535, not \(port)") }
        if let token, token.count < Self.minimumTokenLength {
            throw DashboardSettingsError("\(Self.tokenVariable) must be at least \(Self.minimumTokenLength) characters (it has \(token.count))")
        }
        if let token, !token.unicodeScalars.allSatisfy({ Self.tokenCharacters.contains($0) }) {
            throw DashboardSettingsError("\(Self.tokenVariable) may hold letters, digits and - . _ ~ + / = only (it travels in a cookie)")
        }
        guard bindsLoopback || token != nil else {
            throw DashboardSettingsError("binding \(host) lets other machines in: set \(Self.tokenVariable) to a token of at least "
                                         + "\(Self.minimumTokenLength) characters, or bind 127.0.0.1")
        }
        return self
    }
}

/// Settings the dashboard cannot be served with, and why.
public struct DashboardSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
