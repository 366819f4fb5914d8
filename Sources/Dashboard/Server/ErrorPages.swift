import Hummingbird
import Logging

/// Turns every refusal into an HTML page with its status — an unknown route or study (404), a
/// bad parameter (400), no token (401), anything else (500, logged, its detail not shown) —
/// and gives every response the security headers: a Content-Security-Policy that lets pages
/// load only this server's own style sheet, script and images, and nothing framed, sniffed or
/// referred.
struct ErrorPages<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    /// The policy: nothing from elsewhere, no inline script or style, no framing, no forms elsewhere.
    static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as DashboardError {
            response = Self.page(for: error)
        } catch let error as HTTPError {
            response = Self.page(status: error.status, message: error.status == .notFound
                ? "There is no page at \(request.uri.path)." : error.status.reasonPhrase)
        } catch {
            logger.error("a dashboard page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = Self.page(status: .internalServerError, message: "This page could not be made; the server's log says why.")
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        // (Names swift-http-types has no constant for; both are valid field names.)
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    static func page(for error: DashboardError) -> Response {
        switch error {
        case .notFound(let message): page(status: .notFound, message: message)
        case .badRequest(let message): page(status: .badRequest, message: message)
        case .unauthorized:
            page(status: .unauthorized, message: "This dashboard needs its token: open it once as …/?token=TOKEN, or send Authorization: Bearer TOKEN.")
        }
    }

    static func page(status: HTTPResponse.Status, message: String) -> Response {
        let html = PageLayout.page(title: "\(status.code) \(status.reasonPhrase)", crumbs: [.init(title: "studies", href: "/")],
                                   body: "<p class=\"error\">\(HTML.escape(message))</p>")
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
