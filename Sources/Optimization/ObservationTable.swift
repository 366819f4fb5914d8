/// The parameters of a list of trials as numbers, one column per parameter of a space: the
/// internal coordinate of a number (see ``NumericTransform``), the index of a choice; NaN where a
/// trial lacks the parameter or holds a value outside its distribution.
///
/// TPE reads every parameter of every trial once per suggestion; reading them here, once, costs
/// one dictionary lookup per trial and parameter, where reading them per kernel group and per
/// side of the split repeated the lookups, the range checks and the choice searches.
struct ObservationTable {
    /// `columns[p][row]`, for parameter p of the space and each row in the given order.
    let columns: [[Double]]

    /// Reads `parameters` of `trials[rows[0]]`, `trials[rows[1]]`, ….
    init(_ parameters: [SearchSpace.Parameter], of trials: [TrialSnapshot], rows: [Int]) {
        columns = parameters.map { parameter in
            let name = parameter.name
            let distribution = parameter.distribution
            var column = [Double](repeating: .nan, count: rows.count)
            if case .categorical(let choices) = distribution {
                for (row, index) in rows.enumerated() {
                    if let value = trials[index].parameters[name], let choice = choices.firstIndex(of: value) { column[row] = Double(choice) }
                }
            } else {
                let transform = NumericTransform(distribution)
                for (row, index) in rows.enumerated() {
                    if let value = trials[index].parameters[name], distribution.contains(value) { column[row] = transform.internalValue(value) }
                }
            }
            return column
        }
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
