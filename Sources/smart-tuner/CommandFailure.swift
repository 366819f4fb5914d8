/// A command that could not do its work because of its input (a bad file, a bad value): printed
/// as "Error: …" without the usage text that argument-parsing errors get.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
