/// The data of TensorBoard's HParams dashboard (tensorboard/plugins/hparams: `plugin_data.proto`,
/// `api.proto`), written as summaries: the experiment (which hyperparameters and metrics the
/// table has) in the study's own folder, and each session's start (its hyperparameter values)
/// and end (its status) in the trial's folder. The table's metric values are the scalars the
/// experiment names, read from each session's folder.
public enum HParamsSummary {
    /// A hyperparameter's value (`google.protobuf.Value`).
    public enum Value: Sendable, Hashable {
        case number(Double)
        case text(String)
        case bool(Bool)

        var message: ProtobufMessage {
            var value = ProtobufMessage()
            switch self {
            case .number(let number): value.double(2, number)
            case .text(let text): value.string(3, text)
            case .bool(let flag): value.bool(4, flag)
            }
            return value
        }
    }

    /// A hyperparameter of the experiment, with its domain.
    public struct Parameter: Sendable, Hashable {
        /// The domain: an interval of numbers, or the values a category takes.
        public enum Domain: Sendable, Hashable {
            case interval(min: Double, max: Double)
            case discrete([Value])
        }

        /// Its name.
        public var name: String
        /// Its domain.
        public var domain: Domain

        /// Creates a parameter.
        public init(name: String, domain: Domain) {
            self.name = name
            self.domain = domain
        }
    }

    /// A metric the table shows: a scalar tag of the sessions' folders.
    public struct Metric: Sendable, Hashable {
        /// The scalar's tag.
        public var tag: String
        /// What the column says.
        public var displayName: String
        /// Whether it is measured on validation data (else training data).
        public var validation: Bool

        /// Creates a metric.
        public init(tag: String, displayName: String, validation: Bool) {
            self.tag = tag
            self.displayName = displayName
            self.validation = validation
        }
    }

    /// How a session ended (`Status`).
    public enum Status: Int64, Sendable {
        case unknown = 0, success = 1, failure = 2, running = 3
    }

    static let plugin = "hparams"

    /// The experiment's summary, for the study's folder.
    public static func experiment(name: String, description: String, parameters: [Parameter], metrics: [Metric],
                                  created: Double) -> SummaryValue {
        var experiment = ProtobufMessage()
        experiment.string(1, description)
        experiment.double(3, created)
        for parameter in parameters {
            experiment.message(4) { info in
                info.string(1, parameter.name)
                switch parameter.domain {
                case .interval(let low, let high):
                    info.integer(4, 3)  // DATA_TYPE_FLOAT64
                    info.message(6) { interval in
                        interval.double(1, low)
                        interval.double(2, high)
                    }
                case .discrete(let values):
                    let type: Int64 = values.allSatisfy { if case .number = $0 { true } else { false } } ? 3
                        : values.allSatisfy { if case .bool = $0 { true } else { false } } ? 2 : 1
                    info.integer(4, type)
                    info.message(5) { list in for value in values { list.message(1, value.message) } }
                }
            }
        }
        for metric in metrics {
            experiment.message(5) { info in
                info.message(1) { $0.string(2, metric.tag) }
                info.string(3, metric.displayName)
                info.integer(5, metric.validation ? 2 : 1)
            }
        }
        experiment.string(6, name)
        return pluginData(tag: "_hparams_/experiment", field: 2, experiment)
    }

    /// A session's start: its hyperparameter values, for the trial's folder.
    public static func sessionStart(values: [String: Value], group: String, started: Double) -> SummaryValue {
        var start = ProtobufMessage()
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            start.message(1) { entry in
                entry.string(1, name)
                entry.message(2, value.message)
            }
        }
        if !group.isEmpty { start.string(4, group) }
        start.double(5, started)
        return pluginData(tag: "_hparams_/session_start_info", field: 3, start)
    }

    /// A session's end.
    public static func sessionEnd(status: Status, ended: Double) -> SummaryValue {
        var end = ProtobufMessage()
        end.integer(1, status.rawValue)
        end.double(2, ended)
        return pluginData(tag: "_hparams_/session_end_info", field: 4, end)
    }

    /// `HParamsPluginData` (version 0, so not written) holding `data` in oneof field `field`.
    private static func pluginData(tag: String, field: Int, _ data: ProtobufMessage) -> SummaryValue {
        var content = ProtobufMessage()
        content.message(field, data)
        return .pluginData(tag: tag, plugin: plugin, content: content.bytes)
    }
}
