import SmartTuner

/// The study store at `location`, through the storage protocol (as the tuner opens it).
func openStore(_ location: String, readOnly: Bool = false) async throws -> any StudyStore {
    try await StoreLocation(location).open(readOnly: readOnly)
}
