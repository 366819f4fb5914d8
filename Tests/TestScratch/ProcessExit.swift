import Foundation

extension Process {
    /// Waits until the process has exited, polling `isRunning`, without blocking a thread.
    ///
    /// Foundation's `waitUntilExit()` runs the calling thread's run loop; called from a Swift
    /// concurrency thread on Linux it can wait forever for a child that has already exited (seen:
    /// five tests of one CI run stuck in it, no child process left). Tests use this instead.
    public func exited() async {
        while isRunning { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// The same for synchronous code: polls `isRunning` every 5 ms.
    public func waitForExit() {
        while isRunning { usleep(5_000) }
    }
}
