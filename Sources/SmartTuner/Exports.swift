// Embedders import SmartTuner alone. It re-exports what its embedding API (StudyRunner,
// StudySettings, TuningSupervisor, the trial events and read models) names in its signatures:
// the supervision runtime, the trainer contract and the built-in trainer, the search space and
// samplers, the study store, the alignment metrics and the alert channels. The model
// (TinyTacotron) and the random-number generators stay behind it: import them by name.
@_exported import Supervision
@_exported import Alignment
@_exported import Training
@_exported import BuiltinTraining
@_exported import Integrations
@_exported import Optimization
@_exported import StudyStore
