import ArgumentParser
import Dashboard
import Foundation
import Hummingbird
import SmartTuner

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serves the live web dashboard of the studies in a study file or database (read-only).",
        discussion: """
            Binds 127.0.0.1 unless told otherwise; binding any other address needs a token in \
            \(DashboardSettings.tokenVariable), checked on every request. docs/dashboard.md shows the pages.
            """)

    @Option(help: "The study configuration (YAML); its storage is shown.")
    var config: String?

    @Option(help: "Where the studies are stored (a file path, sqlite:/// or postgresql:// URL), instead of --config.")
    var storage: String?

    @Option(help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(help: "The port.")
    var port = 8080

    func run() async throws {
        guard let location = try storage ?? config.map({ try StudyConfigurationFile.load(path: $0).storage }) else {
            throw ValidationError("give --config FILE.yaml or --storage FILE.db|URL")
        }
        let settings: DashboardSettings
        do {
            settings = try DashboardSettings(host: host, port: port, token: ProcessInfo.processInfo.environment[DashboardSettings.tokenVariable])
                .validated()
        } catch let error as DashboardSettingsError {
            throw CommandFailure(error.description)
        }
        let store = try await StoreLocation(location).open(readOnly: true)
        let address = host.contains(":") ? "[\(host)]" : host
        print("Dashboard of \(store.location) at http://\(address):\(port)/"
              + (settings.token == nil ? "" : " (open it once as …/?token=<\(DashboardSettings.tokenVariable)>)") + "; Ctrl-C stops it.")
        try await DashboardServer.application(store: store, settings: settings).runService()
    }
}
