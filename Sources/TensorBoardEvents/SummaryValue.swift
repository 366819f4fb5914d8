/// One value of a TensorBoard `Summary`, as SmartTuner writes them (tensorflow/core/framework/
/// summary.proto `Summary.Value`, encoded by ``ProtobufMessage``).
public enum SummaryValue: Sendable, Hashable {
    /// A scalar (`simple_value`, what TensorBoard's scalars dashboard plots).
    case scalar(tag: String, value: Float)
    /// A PNG image (`Summary.Image`, RGB), for the images dashboard.
    case image(tag: String, png: [UInt8], width: Int, height: Int)
    /// Markdown text (the text plugin's string tensor).
    case text(tag: String, markdown: String)
    /// A plugin's own data with an empty float tensor, as the HParams plugin writes it
    /// (see ``HParamsSummary``).
    case pluginData(tag: String, plugin: String, content: [UInt8])

    /// The tag.
    public var tag: String {
        switch self {
        case .scalar(let tag, _), .image(let tag, _, _, _), .text(let tag, _), .pluginData(let tag, _, _): return tag
        }
    }

    /// The `Summary.Value` message.
    var message: ProtobufMessage {
        var value = ProtobufMessage()
        value.string(1, tag)
        switch self {
        case .scalar(_, let number):
            value.float(2, number)
        case .image(_, let png, let width, let height):
            value.message(4) { image in
                image.integer(1, Int64(height))
                image.integer(2, Int64(width))
                image.integer(3, 3)  // colorspace: RGB
                image.bytes(4, png)
            }
        case .text(_, let markdown):
            value.message(9) { metadata in metadata.message(1) { $0.string(1, "text") } }
            value.message(8) { tensor in
                tensor.integer(1, 7)  // DT_STRING, a scalar (no dims)
                tensor.message(2) { _ in }
                tensor.bytes(8, Array(markdown.utf8))
            }
        case .pluginData(_, let plugin, let content):
            value.message(9) { metadata in
                metadata.message(1) { data in
                    data.string(1, plugin)
                    data.bytes(2, content)
                }
            }
            value.message(8) { tensor in
                tensor.integer(1, 1)  // DT_FLOAT, shape [0]
                tensor.message(2) { shape in shape.message(2) { dim in dim.integer(1, 0) } }
            }
        }
        return value
    }
}
