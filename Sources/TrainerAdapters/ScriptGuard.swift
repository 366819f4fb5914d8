import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Keeps an unmodified script from outliving the tuner (`smart-tuner adapter-guard -- cmd …`).
///
/// A script that speaks the protocol exits when its stdin ends; one that does not would train on
/// as an orphan after a `kill -9` of the tuner, writing into a run that has been taken over. The
/// guard runs between them: the tuner starts it in a process group of its own with a pipe on its
/// stdin, the guard starts the script in the same group (stdin from /dev/null, the guard's
/// stdout and stderr), and when its stdin ends — the tuner is gone, however it died — it kills
/// the whole group. Signals the tuner sends to the group reach the script directly; the guard
/// ignores SIGINT and SIGTERM itself and leaves with the script's exit status (or its signal).
public enum ScriptGuard {
    /// Runs `arguments` (program first, looked up in `PATH` when it has no `/`) under guard and
    /// returns the exit status to leave with; re-raises a signal that ended the script.
    public static func run(_ arguments: [String]) async -> Int32 {
        guard let program = arguments.first else {
            FileHandle.standardError.write(Data("adapter-guard: give the command to run after --\n".utf8))
            return 64
        }
        // Leads a process group of its own (the tuner starts it so; run by hand it leaves the
        // shell's group), so that the kill below reaches only the guard and the script.
        if getpgrp() != getpid() { setpgid(0, 0) }
        // The script gets the default dispositions back (the spawn resets them).
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let watcher = Thread {
            while !FileHandle.standardInput.availableData.isEmpty {}
            kill(0, SIGKILL)   // the tuner is gone: the whole group, this process included
        }
        watcher.start()
        let configuration = Configuration(executable: program.contains("/") ? .path(FilePath(program)) : .name(program),
                                          arguments: Arguments(Array(arguments.dropFirst())))
        do {
            let result = try await Subprocess.run(configuration, input: .none, output: .currentStandardOutput, error: .currentStandardError)
            switch result.terminationStatus {
            case .exited(let code): return Int32(code)
            case .signaled(let number):
                signal(Int32(number), SIG_DFL)
                kill(getpid(), Int32(number))
                return 128 + Int32(number)
            }
        } catch {
            FileHandle.standardError.write(Data("adapter-guard: could not start \(program): \(error)\n".utf8))
            return 127
        }
    }
}
