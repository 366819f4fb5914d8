import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client of an MLflow tracking server's REST API (`/api/2.0/mlflow/…` and the
/// `mlflow-artifacts` proxy): the calls SmartTuner's tracking needs, over kept-alive
/// connections, within MLflow's request limits. No Python in the loop.
///
/// Every error it throws is an ``MLflowError`` with the credentials removed.
public struct MLflowClient: Sendable {
    /// MLflow's limits on one `runs/log-batch` request (mlflow/utils/validation.py).
    public enum Limits {
        public static let metricsPerBatch = 1_000
        public static let paramsOrTagsPerBatch = 100
        public static let requestBytes = 1_000_000
        public static let paramValueLength = 6_000
        public static let tagValueLength = 8_000
    }

    /// The server.
    public let url: URL
    let transport: HTTPTransport
    let credentials: MLflowCredentials

    /// A client of the server at `url` (`http://host:5000`).
    public init(url: URL, credentials: MLflowCredentials, timeout: Duration = .seconds(15)) {
        self.url = url
        self.credentials = credentials
        transport = HTTPTransport(timeout: timeout)
    }

    /// The id of the experiment named `name`, created if there is none.
    public func experimentID(named name: String) async throws -> String {
        do {
            let found: ExperimentResponse = try await call("GET", "experiments/get-by-name", query: ["experiment_name": name])
            return found.experiment.experiment_id
        } catch let error as MLflowError where error.code == "RESOURCE_DOES_NOT_EXIST" {
            do {
                // MLflow 3 opens an experiment of this kind on its training runs (not its GenAI views).
                let created: CreatedExperiment = try await call("POST", "experiments/create", body: CreateExperiment(
                    name: name, tags: [KeyValue(key: "mlflow.experimentKind", value: "custom_model_development")]))
                return created.experiment_id
            } catch let error as MLflowError where error.code == "RESOURCE_ALREADY_EXISTS" {
                let found: ExperimentResponse = try await call("GET", "experiments/get-by-name", query: ["experiment_name": name])
                return found.experiment.experiment_id
            }
        }
    }

    /// Creates a run (RUNNING) with its tags.
    public func createRun(experimentID: String, name: String, startTime: Int64, tags: [String: String]) async throws -> MLflowRun {
        let body = CreateRun(experiment_id: experimentID, run_name: name, start_time: startTime,
                             tags: tags.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: Self.clipped($0.value, Limits.tagValueLength)) })
        let response: RunResponse = try await call("POST", "runs/create", body: body)
        return response.run.model
    }

    /// The run `id`.
    public func run(id: String) async throws -> MLflowRun {
        let response: RunResponse = try await call("GET", "runs/get", query: ["run_id": id])
        return response.run.model
    }

    /// The active runs of `experimentID` whose tag `tag` is `value` (`value` in letters,
    /// digits and `_.:-` only, as MLflow's filter syntax takes it unquoted of surprises).
    public func runs(experimentID: String, tag: String, value: String) async throws -> [MLflowRun] {
        var runs: [MLflowRun] = []
        var token: String?
        repeat {
            let body = SearchRuns(experiment_ids: [experimentID], filter: "tags.`\(tag)` = '\(value)'", max_results: 1000, page_token: token)
            let page: SearchRunsResponse = try await call("POST", "runs/search", body: body)
            runs += (page.runs ?? []).map(\.model)
            token = page.next_page_token.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return runs
    }

    /// Sets a run's status, and its end time when it has ended.
    public func updateRun(_ runID: String, status: MLflowRunStatus, endTime: Int64?) async throws {
        let _: Empty = try await call("POST", "runs/update", body: UpdateRun(run_id: runID, status: status.rawValue, end_time: endTime))
    }

    /// Logs metrics, params and tags, in as many `runs/log-batch` requests as MLflow's limits
    /// need (params first: they are what a failed request must not leave half-written).
    public func logBatch(runID: String, metrics: [MLflowMetric] = [], params: [String: String] = [:], tags: [String: String] = [:]) async throws {
        let paramList = params.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: Self.clipped($0.value, Limits.paramValueLength)) }
        let tagList = tags.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: Self.clipped($0.value, Limits.tagValueLength)) }
        for chunk in stride(from: 0, to: paramList.count, by: Limits.paramsOrTagsPerBatch) {
            try await logBatch(LogBatch(run_id: runID, metrics: [], params: Array(paramList[chunk..<min(chunk + Limits.paramsOrTagsPerBatch, paramList.count)]), tags: []))
        }
        for chunk in stride(from: 0, to: tagList.count, by: Limits.paramsOrTagsPerBatch) {
            try await logBatch(LogBatch(run_id: runID, metrics: [], params: [], tags: Array(tagList[chunk..<min(chunk + Limits.paramsOrTagsPerBatch, tagList.count)])))
        }
        for chunk in stride(from: 0, to: metrics.count, by: Limits.metricsPerBatch) {
            try await logBatch(LogBatch(run_id: runID, metrics: Array(metrics[chunk..<min(chunk + Limits.metricsPerBatch, metrics.count)]), params: [], tags: []))
        }
    }

    /// One request, split in halves while its body is over MLflow's size limit.
    private func logBatch(_ batch: LogBatch) async throws {
        if try Self.encoder.encode(batch).count > Limits.requestBytes, batch.metrics.count > 1 {
            let half = batch.metrics.count / 2
            try await logBatch(LogBatch(run_id: batch.run_id, metrics: Array(batch.metrics[..<half]), params: batch.params, tags: batch.tags))
            try await logBatch(LogBatch(run_id: batch.run_id, metrics: Array(batch.metrics[half...]), params: [], tags: []))
            return
        }
        let _: Empty = try await call("POST", "runs/log-batch", body: batch)
    }

    /// Uploads `data` as the artifact `path` (`heatmaps/g0-step000010.png`) of the run whose
    /// artifacts are at `artifactURI` (``MLflowRun/artifactURI``), through the server's
    /// `mlflow-artifacts` proxy.
    /// - Throws: ``MLflowError`` also when the run's artifacts live where only the server can
    ///   write (a server started without `--serve-artifacts`).
    public func uploadArtifact(_ data: Data, path: String, artifactURI: String) async throws {
        let scheme = "mlflow-artifacts:"
        guard artifactURI.hasPrefix(scheme) else {
            throw MLflowError(message: "the run keeps its artifacts at \(artifactURI), which only the server can reach; start `mlflow server` with artifact serving (the default; not --no-serve-artifacts)",
                              code: nil, status: nil)
        }
        var location = String(artifactURI.dropFirst(scheme.count))
        while location.hasPrefix("/") { location.removeFirst() }
        // A URI may name a host (mlflow-artifacts://host:port/…): the path after it is what counts.
        if artifactURI.hasPrefix(scheme + "//"), let slash = location.firstIndex(of: "/") { location = String(location[location.index(after: slash)...]) }
        let encoded = (location + "/" + path).split(separator: "/").map {
            String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? String($0)
        }.joined(separator: "/")
        guard let target = URL(string: url.absoluteString.trimmingTrailingSlashes + "/api/2.0/mlflow-artifacts/artifacts/" + encoded) else {
            throw MLflowError(message: "cannot make an artifact URL for \(path)", code: nil, status: nil)
        }
        var request = URLRequest(url: target)
        request.httpMethod = "PUT"
        request.httpBody = data
        request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        _ = try await send(request, what: "upload of \(path)")
    }

    static func clipped(_ text: String, _ limit: Int) -> String { text.count <= limit ? text : String(text.prefix(limit - 1)) + "…" }
}
