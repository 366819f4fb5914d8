/// Every activation and intermediate gradient of one forward and backward pass, allocated once
/// for the largest batch so that no step allocates (names follow the model's notation).
final class Workspace {
    let batch: Int, frames: Int, tokens: Int
    // Encoder: the input of each layer (the last is the encoder output), im2col, pre-activation.
    let encoderStates: [FloatBuffer], encoderColumns: [FloatBuffer], encoderPre: [FloatBuffer]
    let keys: FloatBuffer
    // Prenet.
    let decoderInput: FloatBuffer
    let prenetPre1: FloatBuffer, prenetMask1: FloatBuffer, prenetOut1: FloatBuffer
    let prenetPre2: FloatBuffer, prenetMask2: FloatBuffer, prenetOut2: FloatBuffer
    // GRU.
    let gateInputPrenet: FloatBuffer
    let hidden: FloatBuffer, resetGate: FloatBuffer, updateGate: FloatBuffer, candidate: FloatBuffer
    let hiddenCandidatePart: FloatBuffer
    let gateScratch: FloatBuffer, hiddenGateScratch: FloatBuffer
    // Attention.
    let queryMask: FloatBuffer, queryInput: FloatBuffer, query: FloatBuffer
    let alignment: FloatBuffer, cumulative: FloatBuffer
    let locationColumns: FloatBuffer, locationFeatures: FloatBuffer, locationProjection: FloatBuffer
    let energyTanh: FloatBuffer, energy: FloatBuffer
    let context: FloatBuffer
    // Heads.
    let outputMask: FloatBuffer, headInput: FloatBuffer
    let mel: FloatBuffer, stop: FloatBuffer
    // Gradients.
    let dMel: FloatBuffer, dStop: FloatBuffer, dHeadInput: FloatBuffer
    let dAlignmentGuided: FloatBuffer
    let dEnergyAll: FloatBuffer, dLocationFeaturesAll: FloatBuffer, dQueryAll: FloatBuffer
    let dGateInput: FloatBuffer, dGateHidden: FloatBuffer
    let dEncoder: FloatBuffer, dKeys: FloatBuffer
    let dHiddenCarry: FloatBuffer, dContextCarry: FloatBuffer, dAlignmentPrevious: FloatBuffer, dCumulativeRunning: FloatBuffer
    let dAlignment: FloatBuffer, dEnergyScores: FloatBuffer, dLocationColumns: FloatBuffer, dQueryInput: FloatBuffer
    let dHidden: FloatBuffer
    let dPrenet2: FloatBuffer, dPrenet1: FloatBuffer
    let dEncoderPre: FloatBuffer, dEncoderColumns: FloatBuffer

    init(_ d: ModelDimensions, batch: Int, frames: Int, tokens: Int) {
        self.batch = batch
        self.frames = frames
        self.tokens = tokens
        let rows = frames * batch          // decoder rows
        let cells = batch * tokens         // encoder positions
        let (E, P, H, A, M) = (d.encoder, d.prenet, d.decoder, d.attention, d.mels)
        let (F, K2) = (d.locationFilters, 2 * d.locationKernel)
        func buffer(_ count: Int) -> FloatBuffer { FloatBuffer(count: count) }
        encoderStates = (0...d.encoderLayers).map { _ in buffer(cells * E) }
        encoderColumns = (0..<d.encoderLayers).map { _ in buffer(cells * d.encoderKernel * E) }
        encoderPre = (0..<d.encoderLayers).map { _ in buffer(cells * E) }
        keys = buffer(cells * A)
        decoderInput = buffer(rows * M)
        prenetPre1 = buffer(rows * P); prenetMask1 = buffer(rows * P); prenetOut1 = buffer(rows * P)
        prenetPre2 = buffer(rows * P); prenetMask2 = buffer(rows * P); prenetOut2 = buffer(rows * P)
        gateInputPrenet = buffer(rows * 3 * H)
        hidden = buffer(rows * H); resetGate = buffer(rows * H); updateGate = buffer(rows * H)
        candidate = buffer(rows * H); hiddenCandidatePart = buffer(rows * H)
        gateScratch = buffer(batch * 3 * H); hiddenGateScratch = buffer(batch * 3 * H)
        queryMask = buffer(rows * H); queryInput = buffer(rows * H); query = buffer(batch * A)
        alignment = buffer(rows * tokens); cumulative = buffer(rows * tokens)
        locationColumns = buffer(rows * tokens * K2); locationFeatures = buffer(rows * tokens * F)
        locationProjection = buffer(cells * A)
        energyTanh = buffer(rows * tokens * A); energy = buffer(cells)
        context = buffer(rows * E)
        outputMask = buffer(rows * H); headInput = buffer(rows * d.headInput)
        mel = buffer(rows * M); stop = buffer(rows)
        dMel = buffer(rows * M); dStop = buffer(rows); dHeadInput = buffer(rows * d.headInput)
        dAlignmentGuided = buffer(rows * tokens)
        dEnergyAll = buffer(rows * tokens * A); dLocationFeaturesAll = buffer(rows * tokens * F)
        dQueryAll = buffer(rows * A)
        dGateInput = buffer(rows * 3 * H); dGateHidden = buffer(rows * 3 * H)
        dEncoder = buffer(cells * E); dKeys = buffer(cells * A)
        dHiddenCarry = buffer(batch * H); dContextCarry = buffer(batch * E)
        dAlignmentPrevious = buffer(cells); dCumulativeRunning = buffer(cells)
        dAlignment = buffer(cells); dEnergyScores = buffer(cells)
        dLocationColumns = buffer(cells * K2); dQueryInput = buffer(batch * H)
        dHidden = buffer(batch * H)
        dPrenet2 = buffer(rows * P); dPrenet1 = buffer(rows * P)
        dEncoderPre = buffer(cells * E); dEncoderColumns = buffer(cells * d.encoderKernel * E)
    }
}
