/// Natural logarithm of a positive float (Cephes `logf` polynomial, relative error about 1e-7),
/// branch-free so that loops over it auto-vectorise. Entropy needs a logarithm per attention
/// cell; with the library `log` it was the slowest metric by far.
@inline(__always)
func fastLog(_ x: Float) -> Float {
    let bits = x.bitPattern
    var exponent = Float(bitPattern: ((bits >> 23) & 0xFF) | 0x4B00_0000) - (8_388_608 + 126)
    var m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F00_0000)
    let small = m < 0.707_106_781_186_547_524
    exponent = small ? exponent - 1 : exponent
    m = (small ? m + m : m) - 1
    let z = m * m
    var y: Float = 7.037_683_629_2e-2
    y = y * m - 1.151_461_031_0e-1
    y = y * m + 1.167_699_874_0e-1
    y = y * m - 1.242_014_084_6e-1
    y = y * m + 1.424_932_278_7e-1
    y = y * m - 1.666_805_766_5e-1
    y = y * m + 2.000_071_476_5e-1
    y = y * m - 2.499_999_399_3e-1
    y = y * m + 3.333_333_117_4e-1
    y = y * m * z
    y += -2.121_944_40e-4 * exponent
    y += -0.5 * z
    return m + y + 0.693_359_375 * exponent
}
