import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// The JSON of MLflow's REST API (protobuf's JSON mapping: snake_case names, NaN and infinities
// as "NaN", "Infinity", "-Infinity").
struct KeyValue: Codable { let key: String; let value: String }
struct Empty: Decodable {}
struct ExperimentResponse: Decodable {
    struct Experiment: Decodable { let experiment_id: String }
    let experiment: Experiment
}
struct CreatedExperiment: Decodable { let experiment_id: String }
struct CreateExperiment: Encodable { let name: String; let tags: [KeyValue] }
struct CreateRun: Encodable { let experiment_id: String; let run_name: String; let start_time: Int64; let tags: [KeyValue] }
struct UpdateRun: Encodable { let run_id: String; let status: String; let end_time: Int64? }
struct SearchRuns: Encodable { let experiment_ids: [String]; let filter: String; let max_results: Int; let page_token: String? }
struct LogBatch: Encodable { let run_id: String; let metrics: [MLflowMetric]; let params: [KeyValue]; let tags: [KeyValue] }
struct WireRun: Decodable {
    struct Info: Decodable { let run_id: String; let artifact_uri: String?; let status: String? }
    struct RunData: Decodable { let tags: [KeyValue]? }
    let info: Info
    let data: RunData?
    var model: MLflowRun {
        MLflowRun(id: info.run_id, artifactURI: info.artifact_uri ?? "", status: info.status ?? "",
                  tags: Dictionary((data?.tags ?? []).map { ($0.key, $0.value) }) { $1 })
    }
}
struct RunResponse: Decodable { let run: WireRun }
struct SearchRunsResponse: Decodable { let runs: [WireRun]?; let next_page_token: String? }
struct WireError: Decodable { let error_code: String?; let message: String? }

extension MLflowClient {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }()

    /// A REST call: `GET` with `query`, or `POST` with `body` as JSON; the answer decoded.
    func call<Answer: Decodable>(_ method: String, _ endpoint: String, query: [String: String] = [:],
                                 body: (any Encodable)? = nil) async throws -> Answer {
        var components = URLComponents(string: url.absoluteString.trimmingTrailingSlashes + "/api/2.0/mlflow/" + endpoint)
        if !query.isEmpty { components?.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        guard let target = components?.url else { throw MLflowError(message: "cannot make a URL for \(endpoint)", code: nil, status: nil) }
        var request = URLRequest(url: target)
        request.httpMethod = method
        if let body {
            request.httpBody = try Self.encoder.encode(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data = try await send(request, what: endpoint)
        if Answer.self == Empty.self, let empty = Empty() as? Answer { return empty }
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw MLflowError(message: credentials.redactor.redact("\(endpoint): unexpected answer from \(url.absoluteString): \(String(decoding: data.prefix(200), as: UTF8.self))"),
                              code: nil, status: nil)
        }
    }

    /// Sends `request` with the credentials; returns the body of a 2xx answer.
    func send(_ request: URLRequest, what: String) async throws -> Data {
        var request = request
        if let authorization = credentials.authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await transport.send(request)
        } catch {
            throw MLflowError(message: credentials.redactor.redact("\(what): MLflow at \(url.absoluteString) cannot be reached: \(error.localizedDescription)"),
                              code: nil, status: nil)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let wire = try? JSONDecoder().decode(WireError.self, from: data)
            let text = wire?.message ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw MLflowError(message: credentials.redactor.redact("\(what): MLflow at \(url.absoluteString) answered \(status)\(wire?.error_code.map { " \($0)" } ?? ""): \(text)"),
                              code: wire?.error_code, status: status)
        }
        return data
    }
}

extension String {
    var trimmingTrailingSlashes: String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
