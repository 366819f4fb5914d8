/// The floating-point work of the matrix products (2·m·n·k each) of one training step on a
/// batch: the figure behind the achieved GFLOP/s that steps report. It mirrors the products
/// of the forward and backward passes; elementwise work is not counted.
extension TinyTacotronModel {
    func matrixFLOPs(_ batch: TacotronBatch, training: Bool = true) -> Double {
        let d = dimensions
        let (B, N, T) = (Double(batch.size), Double(batch.maxTokens), Double(batch.maxFrames))
        let (E, P, H, A, F, M) = (Double(d.encoder), Double(d.prenet), Double(d.decoder), Double(d.attention),
                                  Double(d.locationFilters), Double(d.mels))
        let (K2, D, L, kernel) = (Double(2 * d.locationKernel), Double(d.headInput), Double(d.encoderLayers),
                                  Double(d.encoderKernel))
        let cells = B * N, rows = T * B
        let validTokens = Double(batch.tokenLengths.reduce(0, +))
        var forward = L * 2 * cells * E * kernel * E + 2 * cells * A * E           // encoder, keys
        forward += 2 * rows * P * M + 2 * rows * P * P + 2 * rows * 3 * H * P       // prenet, prenet gates
        forward += (T - 1) * (2 * B * 3 * H * E + 2 * B * 3 * H * H)                 // recurrent gates
        forward += T * (2 * B * A * H + 2 * cells * F * K2 + 2 * cells * A * F)      // query, location
        forward += T * 2 * validTokens * E                                           // contexts
        forward += 2 * rows * M * D + 2 * rows * D                                   // heads
        guard training else { return forward }
        var backward = 2 * D * M * rows + 2 * rows * D + 2 * rows * D * M + 2 * rows * D   // heads
        backward += T * (4 * validTokens * E)                                        // dα and dEnc
        backward += T * (2 * cells * F * A + 2 * cells * K2 * F + 2 * B * H * A)     // location, query
        backward += T * (2 * B * H * 3 * H + 2 * B * E * 3 * H)                      // carries
        backward += 2 * H * A * rows + 2 * F * A * rows * N + 2 * K2 * F * rows * N  // gathered weights
        backward += (T - 1) * B * (2 * H * 3 * H + 2 * E * 3 * H)
        backward += 2 * P * 3 * H * rows + 2 * rows * P * 3 * H                      // prenet gates
        backward += 2 * P * P * rows + 2 * rows * P * P + 2 * M * P * rows           // prenet
        backward += 2 * E * A * cells + 2 * cells * E * A                            // keys
        backward += L * (2 * kernel * E * E * cells + 2 * cells * kernel * E * E)    // encoder
        return forward + backward
    }
}
