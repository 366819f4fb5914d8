import Synchronization

/// A value shared between tasks behind a lock.
final class LockedValue<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    /// Reads or changes the value under the lock.
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        storage.withLock { body(&$0) }
    }

    /// The current value.
    var value: Value { storage.withLock { $0 } }
}
