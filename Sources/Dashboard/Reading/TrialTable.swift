import SmartTuner

/// The study page's trials table: which trials it shows, in which order. Read from a page's
/// query (`?state=complete&sort=value&order=desc`); a bad query is refused with what is valid.
struct TrialTable: Sendable, Equatable {
    /// Columns the table sorts by.
    enum Column: String, Sendable, CaseIterable {
        case number, state, value, step, generation, restarts, focusRate = "focus_rate"
    }

    /// States the table filters by (`all` shows every trial).
    static let states = ["all", "running", "complete", "pruned", "failed"]

    var state = "all"
    var sort = Column.number
    var descending = false

    /// The table a page's query asks for.
    /// - Throws: ``DashboardError/badRequest(_:)`` naming the bad parameter and the valid values.
    init(query: [String: String]) throws {
        if let state = query["state"] {
            guard Self.states.contains(state) else {
                throw DashboardError.badRequest("state must be one of \(Self.states.joined(separator: ", ")), not '\(state)'")
            }
            self.state = state
        }
        if let sort = query["sort"] {
            guard let column = Column(rawValue: sort) else {
                throw DashboardError.badRequest("sort must be one of \(Column.allCases.map(\.rawValue).joined(separator: ", ")), not '\(sort)'")
            }
            self.sort = column
        }
        if let order = query["order"] {
            guard order == "asc" || order == "desc" else { throw DashboardError.badRequest("order must be asc or desc, not '\(order)'") }
            descending = order == "desc"
        }
    }

    init() {}

    /// `rows` filtered and ordered; trials without a value in the sort column go last, ties by number.
    func apply(to rows: [TrialRow]) -> [TrialRow] {
        let shown = state == "all" ? rows : rows.filter { $0.state == state }
        return shown.sorted { a, b in
            switch (key(a), key(b)) {
            case (nil, nil): return a.number < b.number
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?):
                if x == y { return a.number < b.number }
                return descending ? x > y : x < y
            }
        }
    }

    private func key(_ row: TrialRow) -> SortKey? {
        switch sort {
        case .number: .number(Double(row.number))
        case .state: .text(row.state)
        // As the column shows it: the value, or while it runs its last validation's objective.
        case .value: (row.value ?? row.objective).flatMap { $0.isNaN ? nil : .number($0) }
        case .step: .number(Double(row.step))
        case .generation: .number(Double(row.generation))
        case .restarts: .number(Double(row.restarts))
        case .focusRate: row.metrics["focus_rate"].flatMap { $0.isNaN ? nil : .number($0) }
        }
    }

    private enum SortKey: Comparable {
        case number(Double), text(String)
    }

    /// The query of this table with `changes` applied, for links (`?state=…&sort=…&order=…`).
    func query(sort: Column? = nil, descending: Bool? = nil, state: String? = nil) -> String {
        "?state=\(state ?? self.state)&sort=\((sort ?? self.sort).rawValue)&order=\((descending ?? self.descending) ? "desc" : "asc")"
    }
}
