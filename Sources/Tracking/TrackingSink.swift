import StudyStore

/// A tracking system fed from the study file (TensorBoard's folders, an MLflow server): each
/// pass sends what it does not hold yet, so passes can run as often as wanted and again over a
/// finished study without sending anything twice.
public protocol TrackingSink: Sendable {
    /// What it is called in logs and messages (`tensorboard`, `mlflow`).
    var name: String { get }
    /// Sends what the tracking system does not hold yet of `study`.
    /// - Throws: when the tracking system cannot be written or the store cannot be read; what
    ///   was not sent is sent by a later pass.
    func feed(_ study: StoredStudy, store: any StudyStore) async throws -> TrackingPass
}

/// What one pass of a ``TrackingSink`` did.
public struct TrackingPass: Sendable, Hashable {
    /// Values sent (metrics, params, tags, images, texts, files).
    public var sent: Int
    /// What it found wrong without failing (a corrupt record in an existing event file).
    public var problems: [String]

    /// Creates a pass report.
    public init(sent: Int = 0, problems: [String] = []) {
        self.sent = sent
        self.problems = problems
    }
}
