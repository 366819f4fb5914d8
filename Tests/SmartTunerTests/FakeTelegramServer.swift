import Foundation
import Logging
import Synchronization
import TestScratch

/// A loopback HTTP server imitating the Telegram Bot API (and any webhook), run by python3:
/// answers `ok`, or 429 with `retry_after` once, or 500 once, or never. It records every
/// request (path, content type, body, arrival time) as a JSON line in a file.
final class FakeTelegramServer: Sendable {
    enum Mode: String { case ok, rateLimitedOnce = "429-once", failingOnce = "500-once", silent = "hang" }

    let port: Int
    private let process: Process
    private let log: String

    init(_ mode: Mode) throws {
        log = Scratch.path("fake-telegram", suffix: ".jsonl")
        let script = """
        import http.server, json, sys, time, socketserver
        mode, log = sys.argv[1], sys.argv[2]
        count = [0]
        class Handler(http.server.BaseHTTPRequestHandler):
            disable_nagle_algorithm = True
            def log_message(self, *args): pass
            def answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                count[0] += 1
                with open(log, "a") as f:
                    f.write(json.dumps({"path": self.path, "type": self.headers.get("Content-Type"),
                                        "auth": self.headers.get("Authorization"), "time": time.time(),
                                        "body": body.decode("utf-8", errors="replace")}) + "\\n")
                if mode == "hang":
                    time.sleep(60); return
                if mode == "429-once" and count[0] == 1:
                    return self.answer(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                             "parameters": {"retry_after": 1}})
                if mode == "500-once" and count[0] == 1:
                    return self.answer(500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
                self.answer(200, {"ok": True, "result": {"message_id": count[0]}})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, mode.rawValue, log]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitForExit()
        try? FileManager.default.removeItem(atPath: log)
    }

    var base: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// The requests received so far.
    var requests: [[String: Any]] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

/// Collects every log line (message and metadata) so tests can look for secrets in them.
final class CollectedLogs: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        let collected = self
        var logger = Logger(label: "collected", factory: { _ in Handler(logs: collected) })
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let logs: CollectedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            logs.append("\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)")
        }
    }
}
