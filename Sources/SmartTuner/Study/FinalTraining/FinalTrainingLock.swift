import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a study's final training (an advisory `flock` on a file beside its
/// checkpoints), so that two `auto` runs of one study on one machine do not both train and
/// register the best model: the second waits, then finds the model registered. The kernel
/// releases the lock when the holder exits, however it exits, so a killed run never leaves it
/// held.
public final class FinalTrainingLock: Sendable {
    /// The lock file; it holds the holder's process ID.
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// What stands in the way of taking the lock.
    public enum Failure: Error, CustomStringConvertible {
        /// The lock file cannot be created or opened.
        case unavailable(path: String, reason: String)

        public var description: String {
            switch self {
            case .unavailable(let path, let reason):
                return "cannot open the final training's lock file \(path): \(reason)"
            }
        }
    }

    /// Takes the lock if no other process holds it: the lock, or `nil` and the holder's process
    /// ID as it wrote it (0 if unreadable).
    /// - Throws: ``Failure/unavailable(path:reason:)`` when the file cannot be created or opened.
    public static func tryAcquire(path: String) throws -> (lock: FinalTrainingLock?, holder: Int32) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure.unavailable(path: path, reason: "\(error)")
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure.unavailable(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Int32((try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            close(descriptor)
            return (nil, holder)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return (FinalTrainingLock(path: path, descriptor: descriptor), 0)
    }

    /// Takes the lock, waiting while another process holds it; `waiting` is called once, with
    /// the holder's process ID, if it has to wait.
    public static func acquire(path: String, poll: Duration = .milliseconds(500),
                               waiting: (Int32) -> Void) async throws -> FinalTrainingLock {
        var told = false
        while true {
            let (lock, holder) = try tryAcquire(path: path)
            if let lock { return lock }
            if !told {
                waiting(holder)
                told = true
            }
            try await Task.sleep(for: poll)
        }
    }
}
