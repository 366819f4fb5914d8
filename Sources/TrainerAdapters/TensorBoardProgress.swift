import TensorBoardEvents
import Training

/// How an adapter reads progress from the TensorBoard event files a script writes
/// (`trainer.adapter.progress.tensorboard`): which tags are a training step's values and which
/// a validation's, each by a regex whose `name` group is the value's name (Coqui:
/// `TrainIterStats/(?<name>.+)` and `EvalStats/avg_(?<name>.+)`).
public struct TensorBoardSettings: Sendable, Hashable {
    /// One kind of record read from tags.
    public struct Rule: Sendable, Hashable {
        /// The tags it takes, with a `name` group.
        public var tags: OutputPattern
        /// The trial's step of the writer's step 0.
        public var stepOffset: Int

        /// Creates a rule.
        public init(tags: OutputPattern, stepOffset: Int) {
            self.tags = tags
            self.stepOffset = stepOffset
        }
    }

    /// Where the event files are (template; `nil`: the incarnation's checkpoint directory).
    public var directory: ValueTemplate?
    /// Training steps.
    public var step: Rule?
    /// Validations.
    public var validation: Rule?

    /// Reads nothing yet.
    public init() {}
}

/// Turns tailed TensorBoard events into readings: the scalars of one writer step that a rule
/// takes make one record, complete when a later step of the same rule appears (event files are
/// written in step order per tag group) or when the script has exited.
struct TensorBoardProgress: Sendable {
    let settings: TensorBoardSettings
    let roles: ValueRoles
    let stepBase: Int
    private var tail: EventFileTail
    private var pending: [ProgressSettings.Block.Kind: (step: Int64, values: [String: Double])] = [:]

    init(settings: TensorBoardSettings, directory: String, roles: ValueRoles, stepBase: Int) {
        self.settings = settings
        self.roles = roles
        self.stepBase = stepBase
        tail = EventFileTail(directory: directory)
    }

    /// The records complete since the last poll, and problems with the files.
    mutating func poll(final: Bool) -> (readings: [ProgressReader.Reading], problems: [String]) {
        let (events, problems) = tail.poll(final: final)
        var readings: [ProgressReader.Reading] = []
        for event in events {
            for (kind, rule) in [(ProgressSettings.Block.Kind.step, settings.step), (.validation, settings.validation)] {
                guard let rule else { continue }
                let values = event.scalars.compactMap { tag, value in rule.tags.match(tag)?["name"].map { ($0, value) } }
                guard !values.isEmpty else { continue }
                if let open = pending[kind], open.step != event.step { readings += record(kind, open.step, open.values) }
                var current = pending[kind]?.step == event.step ? pending[kind]?.values ?? [:] : [:]
                for (name, value) in values { current[name] = value }
                pending[kind] = (event.step, current)
            }
        }
        if final {
            for kind in [ProgressSettings.Block.Kind.step, .validation] {
                if let open = pending.removeValue(forKey: kind) { readings += record(kind, open.step, open.values) }
            }
        }
        return (readings, problems)
    }

    private func record(_ kind: ProgressSettings.Block.Kind, _ written: Int64, _ values: [String: Double]) -> [ProgressReader.Reading] {
        let rule = kind == .step ? settings.step : settings.validation
        let step = Int(written) + (rule?.stepOffset ?? 0) + stepBase
        return [roles.reading(kind, step: step, numbers: values, rule: "TensorBoard step \(written)")]
    }
}
