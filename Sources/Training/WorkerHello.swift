/// What a worker says first: who it is, which protocol version it speaks, and what it can do
/// (docs/protocol.md). A version-1 worker has no capabilities.
public struct WorkerHello: Sendable, Hashable {
    /// The protocol version the worker speaks (1 or 2).
    public var protocolVersion: Int
    /// Its name, for people.
    public var trainer: String
    /// What it can do beyond version 1; capabilities this build does not know are dropped.
    public var capabilities: Set<WorkerCapability>

    /// Creates a hello.
    public init(protocolVersion: Int, trainer: String, capabilities: Set<WorkerCapability> = []) {
        self.protocolVersion = protocolVersion
        self.trainer = trainer
        self.capabilities = capabilities
    }
}

/// Something a protocol-2 worker declares it can do in its `hello`.
public enum WorkerCapability: String, Sendable, Hashable, Codable, CaseIterable {
    /// It obeys `restart` (and `pause`): after a failure that needs no new process, it reloads
    /// the checkpoint it is given in the same process and continues as the next generation.
    case hotRestart = "hot_restart"
    /// Its validations may give attention, gate logits and true alignment as `.npy` files.
    case attentionFiles = "attention_files"
}
