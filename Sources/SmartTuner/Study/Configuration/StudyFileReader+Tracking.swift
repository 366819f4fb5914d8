import Foundation
import Yams

/// The `tracking` section: what the study file keeps for tracking systems and which of them
/// it feeds (docs/tracking.md):
///
/// ```yaml
/// tracking:
///   training_interval: 10          # keep every 10th step's training figures (validations: all)
///   tensorboard: runs/tensorboard  # event files under <it>/<study name>
///   mlflow:
///     url: http://127.0.0.1:5000   # MLFLOW_TRACKING_URI when left out
///     experiment: tacotron-search  # the study's name when left out
///     upload_best_checkpoint: true
/// ```
///
/// Credentials never come from the file: `MLFLOW_TRACKING_TOKEN`, or `MLFLOW_TRACKING_USERNAME`
/// and `MLFLOW_TRACKING_PASSWORD`, from the environment.
extension StudyFileReader {
    mutating func tracking(_ node: Node) throws -> TrackingSettings {
        let keys = try section(node, "tracking", ["training_interval", "tensorboard", "mlflow"])
        var tracking = TrackingSettings()
        if let n = keys["training_interval"] { tracking.trainingInterval = try yaml.int(n, "tracking.training_interval", range: 1...1_000_000) }
        if let n = keys["tensorboard"] {
            let directory = try yaml.string(n, "tracking.tensorboard")
            guard !directory.isEmpty else { throw yaml.error(n, "tracking.tensorboard", "needs the folder TensorBoard reads, such as runs/tensorboard") }
            tracking.tensorBoardDirectory = directory
        }
        if let n = keys["mlflow"] {
            let m = try section(n, "tracking.mlflow", ["url", "experiment", "upload_best_checkpoint"])
            var mlflow = MLflowSettings(url: nil)
            if let u = m["url"] {
                let url = try yaml.string(u, "tracking.mlflow.url")
                if let problem = MLflowSettings.problem(url: url) { throw yaml.error(u, "tracking.mlflow.url", problem) }
                mlflow.url = url
            }
            if let e = m["experiment"] { mlflow.experiment = try yaml.string(e, "tracking.mlflow.experiment") }
            if let b = m["upload_best_checkpoint"] { mlflow.uploadBestCheckpoint = try yaml.bool(b, "tracking.mlflow.upload_best_checkpoint") }
            tracking.mlflow = mlflow
        }
        return tracking
    }
}
