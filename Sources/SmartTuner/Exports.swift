// Embedders import SmartTuner alone; the supervision runtime is part of its public API.
@_exported import Supervision
@_exported import Randomness
@_exported import Alignment
@_exported import TinyTacotron
@_exported import Training
@_exported import BuiltinTraining
@_exported import Integrations
@_exported import Optimization
@_exported import StudyStore
