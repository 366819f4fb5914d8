import Hummingbird

/// Lets in only requests that carry the dashboard's token: `Authorization: Bearer <token>`
/// (scripts, Prometheus), the cookie this sets (browsers, event streams), or `?token=` on a
/// first visit — answered with a redirect to the same page without it, so the token stays out
/// of the address bar, the history and every page. Anything else is 401, the same for a wrong
/// token as for none. Comparisons take the same time whatever the token's first wrong byte.
struct AccessToken<Context: RequestContext>: RouterMiddleware {
    let token: String
    static var cookieName: String { "smart_tuner_token" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer "), matches(String(header.dropFirst(7))) {
            return try await next(request, context)
        }
        if let cookie = request.cookies[Self.cookieName], matches(cookie.value) {
            return try await next(request, context)
        }
        if let given = request.uri.queryParameters["token"], matches(String(given)) {
            var others = request.uri.queryParameters.filter { $0.key != "token" }.map { "\($0.key)=\($0.value)" }
            others.sort()
            let location = request.uri.path + (others.isEmpty ? "" : "?" + others.joined(separator: "&"))
            var response = Response(status: .seeOther, headers: [.location: location])
            response.setCookie(Cookie(name: Self.cookieName, value: token, path: "/", secure: false, httpOnly: true, sameSite: .strict))
            return response
        }
        throw DashboardError.unauthorized
    }

    private func matches(_ given: String) -> Bool {
        let a = Array(given.utf8), b = Array(token.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<b.count { difference |= b[index] ^ (index < a.count ? a[index] : 0) }
        return difference == 0
    }
}
