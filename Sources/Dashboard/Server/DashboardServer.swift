import Foundation
import Hummingbird
import Logging
import SmartTuner

/// The live web dashboard (docs/dashboard.md): read-only pages of the studies in one store,
/// made by the server (HTML and SVG), kept current by server-sent events while a study runs,
/// and `/metrics` for Prometheus. It reads through the storage protocol, so a dashboard on one
/// machine shows a study that workers on others run against PostgreSQL.
public enum DashboardServer {
    /// The router serving `store`: every route, behind the error pages, the security headers and
    /// (when the settings have one) the token.
    public static func router(store: any StudyStore, settings: DashboardSettings, clock: any Clock<Duration> = ContinuousClock(),
                              logger: Logger = Logger(label: "smart-tuner.dashboard")) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorPages(logger: logger))
        if let token = settings.token { router.add(middleware: AccessToken(token: token)) }
        let routes = DashboardRoutes(reader: StudyReader(store: store), feeds: LiveFeeds(interval: settings.pollInterval, clock: clock, logger: logger),
                                     pages: RenderedPages(freshFor: settings.pollInterval, clock: clock), metrics: DashboardMetrics())
        routes.register(on: router)
        return router
    }

    /// The application: `router(…)` on the settings' address.
    public static func application(store: any StudyStore, settings: DashboardSettings,
                                   logger: Logger = Logger(label: "smart-tuner.dashboard")) -> some ApplicationProtocol {
        Application(router: router(store: store, settings: settings, logger: logger),
                    configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "smart-tuner"),
                    logger: logger)
    }
}

/// The dashboard's routes and what each answers.
struct DashboardRoutes: Sendable {
    let reader: StudyReader
    let feeds: LiveFeeds
    let pages: RenderedPages
    let metrics: DashboardMetrics

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Self.html(try await pages.page("/") {
                let summaries = try await reader.summaries()
                return StudiesPage.render(summaries, storage: reader.store.location.description, live: summaries.contains { $0.state == "running" })
            })
        }
        router.get("/live") { _, _ in Self.events(await feeds.watch("/") { LiveSnapshot.studies(try await reader.summaries()) }) }
        router.get("/live.json") { _, _ in Self.json(LiveSnapshot.studies(try await reader.summaries()).json) }
        router.get("/studies/:study") { request, context in
            let study = try await reader.study(named: try Self.studyName(context))
            let table = try TrialTable(query: Self.query(request))
            return Self.html(try await pages.page("/studies/\(study.definition.name)\(table.query())") {
                StudyPage.render(try await reader.studyContents(study), table: table)
            })
        }
        router.get("/studies/:study/live") { _, context in
            let study = try await reader.study(named: try Self.studyName(context))
            return Self.events(await feeds.watch("/studies/\(study.definition.name)") { LiveSnapshot.study(try await reader.store.trials(of: study)) })
        }
        router.get("/studies/:study/live.json") { _, context in
            let study = try await reader.study(named: try Self.studyName(context))
            return Self.json(LiveSnapshot.study(try await reader.store.trials(of: study)).json)
        }
        router.get("/studies/:study/trials/:number") { _, context in
            let study = try await reader.study(named: try Self.studyName(context))
            let number = try Self.trialNumber(context)
            return Self.html(try await pages.page("/studies/\(study.definition.name)/trials/\(number)") {
                TrialPage.render(try await reader.trialContents(try await reader.trial(number, of: study), of: study))
            })
        }
        router.get("/studies/:study/trials/:number/live") { _, context in
            let study = try await reader.study(named: try Self.studyName(context))
            let number = try Self.trialNumber(context)
            _ = try await reader.trial(number, of: study)
            return Self.events(await feeds.watch("/studies/\(study.definition.name)/\(number)") {
                LiveSnapshot.trial(try await reader.trial(number, of: study))
            })
        }
        router.get("/studies/:study/trials/:number/live.json") { _, context in
            let study = try await reader.study(named: try Self.studyName(context))
            return Self.json(LiveSnapshot.trial(try await reader.trial(try Self.trialNumber(context), of: study)).json)
        }
        router.get("/studies/:study/trials/:number/heatmaps/:index") { _, context in
            let study = try await reader.study(named: try Self.studyName(context))
            let trial = try await reader.trial(try Self.trialNumber(context), of: study)
            return try await Self.heatmap(of: trial, index: context.parameters.get("index") ?? "", store: reader.store)
        }
        router.get("/assets/dashboard.css") { _, _ in Self.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        router.get("/assets/live.js") { _, _ in Self.asset(DashboardAssets.liveScript, type: "text/javascript; charset=utf-8") }
        router.get("/assets/icon.svg") { _, _ in Self.asset(DashboardAssets.icon, type: "image/svg+xml") }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: try await metrics.scrape(reader.store))))
        }
    }

    /// A checkpoint's heatmap: only a file the store records for this trial, and only a PNG.
    static func heatmap(of trial: StoredTrial, index text: String, store: any StudyStore) async throws -> Response {
        let checkpoints = try await store.checkpoints(of: trial)
        guard let index = Int(text), checkpoints.indices.contains(index) else {
            throw DashboardError.notFound("Trial \(trial.number) has no checkpoint \(text); it has \(checkpoints.count).")
        }
        guard let path = checkpoints[index].heatmap, path.hasSuffix(".png"), let data = FileManager.default.contents(atPath: path) else {
            throw DashboardError.notFound("Checkpoint \(index) of trial \(trial.number) has no heatmap this server can read.")
        }
        return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, max-age=3600"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func studyName(_ context: BasicRequestContext) throws -> String {
        let raw = context.parameters.get("study") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    static func trialNumber(_ context: BasicRequestContext) throws -> Int {
        let text = context.parameters.get("number") ?? ""
        guard let number = Int(text), number >= 0 else {
            throw DashboardError.badRequest("a trial number is a whole number from 0, not '\(text)'")
        }
        return number
    }

    static func query(_ request: Request) -> [String: String] {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value).removingPercentEncoding ?? String(value) }
        return query
    }

    static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Server-sent events: each snapshot as one `data:` line; the stream ends after a snapshot
    /// that is no longer live, or when the viewer goes.
    static func events(_ snapshots: AsyncStream<LiveSnapshot>) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: ResponseBody { writer in
            for await snapshot in snapshots {
                try await writer.write(ByteBuffer(string: "data: \(snapshot.json)\n\n"))
                if !snapshot.live { break }
            }
            try await writer.finish(nil)
        })
    }
}
