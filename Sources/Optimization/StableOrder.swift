/// The stable ascending order of `values` (indices, equal values in index order), by an LSD
/// radix sort on the bits of the doubles: the order `values.indices.sorted { values[$0] <
/// values[$1] }` gives, without a comparison closure. TPE sorts every kernel column of every
/// suggestion (for the bandwidths), which made the comparison sort a tenth of its cost.
///
/// NaN must not occur (the observation table leaves missing values out); −0 and +0 count as equal.
func stableOrder(_ values: [Double]) -> [Int] {
    let count = values.count
    guard count > 1 else { return Array(values.indices) }
    // An order-preserving key: flip every bit of a negative double, only the sign of a positive.
    let keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 2 * count)
    let order = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2 * count)
    let histograms = UnsafeMutableBufferPointer<Int>.allocate(capacity: 8 * 256)
    defer { keys.deallocate(); order.deallocate(); histograms.deallocate() }
    histograms.initialize(repeating: 0)
    // All eight byte histograms in one pass; a byte every key shares needs no pass.
    for (i, value) in values.enumerated() {
        let bits = (value + 0).bitPattern  // −0 + 0 is +0
        let key = bits >> 63 == 1 ? ~bits : bits | (1 << 63)
        keys[i] = key
        order[i] = i
        for byte in 0..<8 { histograms[byte &* 256 &+ Int(truncatingIfNeeded: (key >> (UInt64(byte) &* 8)) & 0xFF)] &+= 1 }
    }
    var (source, target) = (0, count)  // the halves of `keys` and `order` read from and written to
    for byte in 0..<8 {
        let base = byte * 256
        let shift = UInt64(byte) * 8
        if histograms[base + Int(truncatingIfNeeded: (keys[source] >> shift) & 0xFF)] == count { continue }
        var offset = 0
        for bucket in base..<(base + 256) {
            let size = histograms[bucket]
            histograms[bucket] = offset
            offset &+= size
        }
        for i in source..<(source + count) {
            let key = keys[i]
            let bucket = base &+ Int(truncatingIfNeeded: (key >> shift) & 0xFF)
            let slot = target &+ histograms[bucket]
            histograms[bucket] &+= 1
            keys[slot] = key
            order[slot] = order[i]
        }
        swap(&source, &target)
    }
    return Array(order[source..<(source + count)])
}
