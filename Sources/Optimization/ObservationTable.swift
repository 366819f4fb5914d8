/// The parameters of a list of trials as numbers, one column per parameter of a space: the
/// internal coordinate of a number (see ``NumericTransform``), the index of a choice; NaN where a
/// trial lacks the parameter or holds a value outside its distribution.
///
/// TPE reads every parameter of every trial once per suggestion, here, once. Each trial's
/// entries are walked and matched to the space's names by length, then by equality, rather than
/// looked up by hashing each name: hashing was a sixth of a suggestion at 1 000 trials. Spaces of
/// more than 16 parameters match through one dictionary of names instead.
struct ObservationTable {
    /// `columns[p][row]`, for parameter p of the space and each row in the given order.
    let columns: [[Double]]

    /// Reads `parameters` of `trials[rows[0]]`, `trials[rows[1]]`, ….
    init(_ parameters: [SearchSpace.Parameter], of trials: [TrialSnapshot], rows: [Int]) {
        let readers = parameters.map { CoordinateReader($0.distribution) }
        let names = parameters.map(\.name)
        let lengths = names.map(\.utf8.count)
        let byName = names.count > 16 ? Dictionary(zip(names, names.indices), uniquingKeysWith: { first, _ in first }) : nil
        func position(of name: String) -> Int? {
            if let byName { return byName[name] }
            let length = name.utf8.count
            return names.indices.first { lengths[$0] == length && names[$0] == name }
        }
        var columns = parameters.map { _ in [Double](repeating: .nan, count: rows.count) }
        for (row, index) in rows.enumerated() {
            for (name, value) in trials[index].parameters {
                guard let parameter = position(of: name) else { continue }
                columns[parameter][row] = readers[parameter].coordinate(of: value)
            }
        }
        for (parameter, reader) in readers.enumerated() { reader.transform?.toInternal(&columns[parameter]) }
        self.columns = columns
    }

    /// The observations of the parameters at `group` (indices into the space's parameters) in
    /// `rows`, one column per parameter of the group: a row missing any of them is left out of
    /// every column, as a kernel must have a coordinate in each of its dimensions.
    func columns(_ group: [Int], rows: Range<Int>) -> [[Double]] {
        if group.count == 1 {
            return [columns[group[0]][rows].filter { !$0.isNaN }]
        }
        var result = group.map { _ in [Double]() }
        for index in result.indices { result[index].reserveCapacity(rows.count) }
        for row in rows where group.allSatisfy({ !columns[$0][row].isNaN }) {
            for (index, parameter) in group.enumerated() { result[index].append(columns[parameter][row]) }
        }
        return result
    }
}

/// The coordinate of one parameter's values: the internal coordinate of a number, the index of
/// a choice, NaN for a value outside the distribution.
private struct CoordinateReader {
    let distribution: Distribution
    let transform: NumericTransform?

    init(_ distribution: Distribution) {
        self.distribution = distribution
        if case .categorical = distribution { transform = nil } else { transform = NumericTransform(distribution) }
    }

    /// The index of a choice, the value of a number (before ``NumericTransform/toInternal(_:)``).
    func coordinate(of value: ParameterValue) -> Double {
        if case .categorical(let choices) = distribution { return choices.firstIndex(of: value).map(Double.init) ?? .nan }
        guard distribution.contains(value) else { return .nan }
        return value.number ?? .nan
    }
}
