import Foundation
import TrainerAdapters
import Integrations
import Logging
import Optimization
import TinyTacotron
import Training

/// A setting that cannot work, with the key path it sits at and what would be valid.
public struct InvalidSetting: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where, as a YAML key path such as `study.trials` or `search_space.learning_rate.low`.
    public let keyPath: String
    /// What is wrong and what would be valid.
    public let message: String

    /// Creates the error.
    public init(_ keyPath: String, _ message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String { "\(keyPath): \(message)" }
}

extension StudySettings {
    /// Where the study is stored.
    /// - Throws: ``InvalidSetting`` for `study.storage` when no store serves it, saying what would be valid.
    public func storeLocation() throws -> StoreLocation {
        do { return try StoreLocation(storage, passwordVariable: storagePasswordVariable) } catch { throw InvalidSetting("study.storage", "\(error)") }
    }

    /// Checks that the study can run as configured.
    /// - Throws: ``InvalidSetting`` naming the key and what would be valid.
    public func validate() throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw InvalidSetting("study.name", "'\(name)' must be non-empty letters, digits, '-', '_' or '.'")
        }
        _ = try storeLocation()
        guard trials >= 1 else { throw InvalidSetting("study.trials", "must be at least 1, got \(trials)") }
        guard (1...64).contains(parallelism) else { throw InvalidSetting("study.parallelism", "must be from 1 to 64, got \(parallelism)") }
        guard staleAfterSeconds > 0 else { throw InvalidSetting("study.heartbeat_timeout", "must be > 0 seconds") }
        if sampler == .grid {
            do { _ = try GridSampler(seed: seed).grid(of: space) } catch { throw InvalidSetting("study.sampler", "\(error)") }
        }
        try trainer.validate()
        if case .adapted(let adapter) = trainer.kind {
            do {
                try adapter.check(hyperparameters: Set(space.parameters.map(\.name)).union(trainer.fixed.keys))
            } catch let error as AdapterSettingError {
                throw InvalidSetting((error.keyPath.hasPrefix("command") ? "trainer." : "trainer.adapter.") + error.keyPath, error.message)
            }
        }
        for parameter in space.parameters {
            let path = "search_space.\(parameter.name)"
            if case .categorical(let choices) = parameter.distribution, choices.contains(where: { $0.number == nil }) {
                throw InvalidSetting("\(path).choices", "trainers take numeric hyperparameters; use numbers, e.g. [16, 32]")
            }
            guard case .builtin = trainer.kind else { continue }
            for value in parameter.distribution.extremes {
                do { _ = try TacotronHyperparameters(trainer.fixed.merging([parameter.name: value]) { $1 }) } catch {
                    throw InvalidSetting(path, "\(error)")
                }
            }
        }
        if let memoryBudgetMiB, !(memoryBudgetMiB > 0) {
            throw InvalidSetting("memory.trial_budget_mib", "must be > 0 MiB")
        }
    }
}

extension Distribution {
    /// The lowest and highest value, to check against a trainer's ranges.
    var extremes: [Double] {
        switch self {
        case .float(let low, let high, _, _): return [low, high]
        case .int(let low, let high, _, _): return [Double(low), Double(high)]
        case .categorical(let choices): return choices.compactMap(\.number)
        }
    }
}

extension TrainerSettings {
    /// Checks steps, intervals, the command and the fault plan.
    func validate() throws {
        guard steps >= 1 else { throw InvalidSetting("trainer.steps", "must be at least 1, got \(steps)") }
        guard validationInterval >= 1 else { throw InvalidSetting("trainer.validation_interval", "must be at least 1") }
        guard checkpointInterval >= 0 else { throw InvalidSetting("trainer.checkpoint_interval", "must be ≥ 0 (0: only at the end)") }
        guard heartbeatTimeoutSeconds > 0 else { throw InvalidSetting("trainer.heartbeat_timeout", "must be > 0 seconds") }
        if case .command(let command) = kind, command.first?.isEmpty ?? true {
            throw InvalidSetting("trainer.command", "give the program and its arguments, e.g. [python3, train.py]")
        }
        if case .builtin = kind {
            do { _ = try TacotronHyperparameters(fixed) } catch { throw InvalidSetting("trainer.fixed", "\(error)") }
        }
        if let faults {
            do { _ = try FaultPlan(parsing: faults) } catch { throw InvalidSetting("trainer.faults", "\(error)") }
        }
    }
}

extension AlertSettings {
    /// The alert actor: the event log always; Telegram and a webhook when configured.
    /// - Throws: ``InvalidSetting`` for a bad chat id or URL.
    public func makeActor(defaultLog: String, logger: Logger) throws -> AlertActor {
        var sinks: [any AlertSink] = [EventLogSink(path: eventLog ?? defaultLog)]
        var secrets: [String] = []
        let environment = ProcessInfo.processInfo.environment
        if let telegramChat {
            do { sinks.append(try TelegramSink(chatID: telegramChat)) } catch { throw InvalidSetting("alerts.telegram_chat", "\(error)") }
            secrets.append(environment["TELEGRAM_BOT_TOKEN"] ?? "")
        }
        if let webhook {
            guard let url = URL(string: webhook), url.scheme == "http" || url.scheme == "https" else {
                throw InvalidSetting("alerts.webhook", "'\(webhook)' must be an http or https URL")
            }
            let token = environment["SMARTTUNER_WEBHOOK_TOKEN"]
            sinks.append(WebhookSink(url: url, bearerToken: token))
            secrets.append(token ?? "")
        }
        return AlertActor(sinks: sinks, minimumInterval: .milliseconds(50), secrets: secrets.filter { !$0.isEmpty }, logger: logger)
    }
}
