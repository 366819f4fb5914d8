/// One record of a TensorBoard event file, as far as SmartTuner reads it: its step, time and
/// scalar summaries (tensorflow/core/util/event.proto `Event`, summary.proto `Summary.Value`).
///
/// Read with a small wire-format reader rather than swift-protobuf's generated code: scalars
/// need five fields of three messages, and the build on two cores stays shorter (the writing
/// side, ``EventFileWriter``, encodes its few messages the same way). Images, text and
/// histograms are not decoded — SmartTuner never reads alignment from a picture — but their
/// tags are kept, so that a writer can tell what a file already holds.
public struct TensorBoardEvent: Sendable, Hashable {
    /// Seconds since 1970 when it was written.
    public var wallTime: Double
    /// The writer's step.
    public var step: Int64
    /// Scalars by tag: `simple_value` (torch's `add_scalar`), or a one-element float or
    /// double tensor (the "new style" scalars of TensorFlow 2).
    public var scalars: [String: Double]
    /// The tags of the values that are not scalars (images, text, plugin data).
    public var otherTags: Set<String>
    /// The `file_version` of the first record (`brain.Event:2`), if this is it.
    public var fileVersion: String?

    /// Creates an event.
    public init(wallTime: Double, step: Int64, scalars: [String: Double] = [:], otherTags: Set<String> = [], fileVersion: String? = nil) {
        self.wallTime = wallTime
        self.step = step
        self.scalars = scalars
        self.otherTags = otherTags
        self.fileVersion = fileVersion
    }

    /// Decodes one record's data.
    /// - Throws: when the data is not an `Event` in protocol-buffer wire format.
    public init(record: [UInt8]) throws {
        let event = try ProtobufFields(record[...])
        wallTime = event.double(1) ?? 0
        step = event.integer(2) ?? 0
        fileVersion = event.bytes(3).map { String(decoding: $0, as: UTF8.self) }
        scalars = [:]
        otherTags = []
        guard let summaryBytes = event.bytes(5) else { return }
        let summary = try ProtobufFields(summaryBytes)
        for case .bytes(let valueBytes) in summary.values(1) {
            let value = try ProtobufFields(valueBytes)
            guard let tagBytes = value.bytes(1) else { continue }
            let tag = String(decoding: tagBytes, as: UTF8.self)
            if let simple = value.float(2) {
                scalars[tag] = Double(simple)
            } else if let tensorBytes = value.bytes(8) {
                let tensor = try ProtobufFields(tensorBytes)
                // TensorProto: dtype 1 (DT_FLOAT 1, DT_DOUBLE 2), tensor_content 4 (little-endian
                // bytes), float_val 5, double_val 6.
                let dtype = tensor.integer(1)
                if let number = tensor.floats(5).first.map(Double.init) ?? tensor.doubles(6).first {
                    scalars[tag] = number
                } else if let content = tensor.bytes(4) {
                    let raw = content.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    if dtype == 1, content.count == 4 { scalars[tag] = Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))) }
                    if dtype == 2, content.count == 8 { scalars[tag] = Double(bitPattern: raw) }
                }
            }
            if scalars[tag] == nil { otherTags.insert(tag) }
        }
    }
}
