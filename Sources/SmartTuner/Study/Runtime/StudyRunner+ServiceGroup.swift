import Logging
import ServiceLifecycle

extension StudyRunner {
    /// Runs the study in a service group of its own until all its trials have finished or a
    /// graceful stop, and returns its report. With `handlingSignals`, SIGTERM and SIGINT stop it
    /// gracefully (running trials checkpoint and stay RUNNING, for the next run to resume);
    /// embedders that run their own service group add the runner to it instead.
    public func runToEnd(handlingSignals: Bool = true, logger: Logger) async throws -> StudyReport {
        var group = ServiceGroupConfiguration(services: [.init(service: self, successTerminationBehavior: .gracefullyShutdownGroup)],
                                              logger: logger)
        if handlingSignals { group.gracefulShutdownSignals = [.sigterm, .sigint] }
        try await ServiceGroup(configuration: group).run()
        return try await report()
    }
}
