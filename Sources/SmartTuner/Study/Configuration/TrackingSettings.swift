import Foundation

/// What the study file keeps for tracking systems and where it is sent (YAML `tracking`,
/// docs/tracking.md). The study file is the source of truth; MLflow and TensorBoard are views
/// of it, fed from it while the study runs and replayed from it by `smart-tuner track`.
public struct TrackingSettings: Sendable, Hashable {
    /// Every how many steps a training step's figures are kept (losses, gradient norm, learning
    /// rate); every validation's are kept.
    public var trainingInterval: Int = 10
    /// The folder TensorBoard reads (`tensorboard --logdir <it>/<study>`), if it is fed.
    public var tensorBoardDirectory: String?
    /// The MLflow server, if it is fed.
    public var mlflow: MLflowSettings?

    /// Nothing fed; training figures every 10 steps.
    public init() {}

    /// Whether a training step's figures are kept.
    public func keeps(trainingStep step: Int) -> Bool { step % trainingInterval == 0 || step == 1 }
}

/// Where MLflow is (YAML `tracking.mlflow`).
public struct MLflowSettings: Sendable, Hashable {
    /// The tracking server's URL (`http://host:5000`); `MLFLOW_TRACKING_URI` from the
    /// environment when `nil`.
    public var url: String?
    /// The experiment's name; the study's when `nil`.
    public var experiment: String?
    /// Whether the best trial's final checkpoint is uploaded as an artifact (checkpoints of a
    /// real model are hundreds of megabytes).
    public var uploadBestCheckpoint = true

    /// The server at `url`.
    public init(url: String?, experiment: String? = nil) {
        self.url = url
        self.experiment = experiment
    }

    /// What is wrong with `url` as a tracking server's address, or `nil`.
    public static func problem(url: String) -> String? {
        guard let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
              !(parsed.host ?? "").isEmpty else {
            return "must be an http:// or https:// URL of an MLflow tracking server (such as http://127.0.0.1:5000), got '\(url)'"
        }
        guard parsed.user == nil, parsed.password == nil else {
            return "must not hold credentials; set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, in the environment"
        }
        return nil
    }
}
