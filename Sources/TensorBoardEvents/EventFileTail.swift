import Foundation

/// Follows the TensorBoard event files (`events.out.tfevents.*`) under a directory while a
/// trainer writes them: new files as they appear (a resumed Coqui run starts another), new
/// records as they are written, problems (a bad CRC, a file cut mid-record, a rewritten file)
/// reported, never thrown.
public struct EventFileTail: Sendable {
    /// The directory searched (and its subfolders, `depth` levels down).
    public let directory: String
    /// How many folders below ``directory`` are searched.
    public var depth = 3
    private var readers: [String: TFRecordReader] = [:]

    /// A tail of `directory` with nothing read yet.
    public init(directory: String) { self.directory = directory }

    /// The events written since the last call (file by file, in each file's order) and what
    /// went wrong, each problem with its file; `final` once the trainer has exited.
    public mutating func poll(final: Bool = false) -> (events: [TensorBoardEvent], problems: [String]) {
        var events: [TensorBoardEvent] = []
        var problems: [String] = []
        for path in Self.eventFiles(under: directory, depth: depth) {
            var reader = readers[path] ?? TFRecordReader(path: path)
            let (records, found) = reader.read(final: final)
            readers[path] = reader
            let name = (path as NSString).lastPathComponent
            problems += found.map { "\(name): \($0)" }
            for record in records {
                do {
                    events.append(try TensorBoardEvent(record: record))
                } catch {
                    problems.append("\(name): a record is no TensorBoard event (\(error))")
                }
            }
        }
        return (events, problems)
    }

    /// The event files under `directory`, oldest name first.
    static func eventFiles(under directory: String, depth: Int) -> [String] {
        var found: [String] = []
        var folders = [(directory, 0)]
        while let (folder, level) = folders.popLast() {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names {
                let path = (folder as NSString).appendingPathComponent(name)
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
                if isFolder.boolValue {
                    if level < depth { folders.append((path, level + 1)) }
                } else if name.hasPrefix("events.out.tfevents.") {
                    found.append(path)
                }
            }
        }
        return found.sorted()
    }
}
