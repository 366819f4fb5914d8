import Dashboard
import Foundation
import Hummingbird
import HummingbirdTesting
import SmartTuner
import TestScratch
import Testing

@Suite("Dashboard access: the token on every request and event stream, never on a page; what may be bound", .scratch)
struct DashboardAccessTests {
    static let token = "s3cret-token-0123456789"

    @Test("without the token, or with a wrong one, every route is 401 and says nothing of the token")
    func refused() async throws {
        let fixture = try await DashboardFixture.make()
        try await fixture.application(DashboardSettings(token: Self.token)).test(.router) { client in
            for uri in ["/", "/studies/tts", "/studies/tts/trials/0", "/studies/tts/live", "/metrics", "/assets/live.js", "/nowhere"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(!String(buffer: response.body).contains(Self.token))
                    #expect(response.headers[.contentSecurityPolicy] != nil)
                }
            }
            try await client.execute(uri: "/", method: .get, headers: [.authorization: "Bearer wrong-token-0123456789"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: "smart_tuner_token=nope"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("the token as a bearer header or cookie lets a request in; ?token= once sets the cookie and leaves it out of the address")
    func admitted() async throws {
        let fixture = try await DashboardFixture.make()
        try await fixture.application(DashboardSettings(token: Self.token)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.token)"]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/studies/tts?state=running&token=\(Self.token)", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/studies/tts?state=running")
                let cookie = try #require(response.headers[.setCookie])
                #expect(cookie.hasPrefix("smart_tuner_token=\(Self.token)") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            }
            try await client.execute(uri: "/studies/tts", method: .get, headers: [.cookie: "smart_tuner_token=\(Self.token)"]) { response in
                #expect(response.status == .ok)
                #expect(!String(buffer: response.body).contains(Self.token), "no secret on a page")
            }
        }
    }

    @Test("settings: loopback needs no token; any other address does; a token must be long and cookie-safe; the port in range")
    func settings() throws {
        #expect(try DashboardSettings().validated().host == "127.0.0.1")
        #expect(throws: DashboardSettingsError.self) { try DashboardSettings(host: "0.0.0.0").validated() }
        #expect(throws: DashboardSettingsError.self) { try DashboardSettings(host: "192.168.1.4", token: "short").validated() }
        #expect(throws: DashboardSettingsError.self) { try DashboardSettings(host: "::", token: "has spaces in it, and more").validated() }
        #expect(throws: DashboardSettingsError.self) { try DashboardSettings(port: 70_000).validated() }
        #expect(try DashboardSettings(host: "0.0.0.0", token: Self.token).validated().token == Self.token)
        #expect(DashboardSettings(host: "::1").bindsLoopback && DashboardSettings(host: "localhost").bindsLoopback)
        let error = #expect(throws: DashboardSettingsError.self) { try DashboardSettings(host: "0.0.0.0").validated() }
        #expect(error?.description.contains(DashboardSettings.tokenVariable) == true)
    }
}
