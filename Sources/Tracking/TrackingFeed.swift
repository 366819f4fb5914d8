import Logging
import StudyStore

/// Feeds tracking systems from the study file while a study runs: a pass of every sink at each
/// interval, and a last one when the study ends. It never waits on training and never fails
/// it: the study file is its queue (what a sink has not been sent stays there until a pass
/// sends it, or `smart-tuner track` does), so nothing is lost when a server is down and
/// nothing piles up in memory.
public actor TrackingFeed {
    /// The sinks.
    public nonisolated let sinks: [any TrackingSink]
    private let store: any StudyStore
    private let study: StoredStudy
    private let logger: Logger
    private var failing: Set<String> = []

    /// Feeds `sinks` from `study` in `store`.
    public init(sinks: [any TrackingSink], store: any StudyStore, study: StoredStudy, logger: Logger) {
        self.sinks = sinks
        self.store = store
        self.study = study
        self.logger = logger
    }

    /// Passes every `interval` until cancelled (`sleep` waits, injected so that tests run on a
    /// manual clock).
    public func run(every interval: Duration, sleep: @Sendable (Duration) async throws -> Void) async {
        while !Task.isCancelled {
            do { try await sleep(interval) } catch { return }
            _ = await pass()
        }
    }

    /// One pass of every sink; what failed is logged (once per failing spell) and left for the
    /// next pass. Returns each sink's report, or its error.
    @discardableResult
    public func pass() async -> [String: Result<TrackingPass, any Error>] {
        var results: [String: Result<TrackingPass, any Error>] = [:]
        for sink in sinks {
            do {
                let pass = try await sink.feed(study, store: store)
                if failing.remove(sink.name) != nil { logger.info("tracking works again", metadata: ["sink": "\(sink.name)"]) }
                for problem in pass.problems { logger.warning("tracking found a problem", metadata: ["sink": "\(sink.name)", "problem": "\(problem)"]) }
                results[sink.name] = .success(pass)
            } catch {
                if failing.insert(sink.name).inserted {
                    logger.warning("tracking could not send; the study file keeps what was not sent for a later pass or `smart-tuner track`",
                                   metadata: ["sink": "\(sink.name)", "error": "\(error)"])
                }
                results[sink.name] = .failure(error)
            }
        }
        return results
    }
}
