import Testing
import Training

@testable import TrainerAdapters

/// Output as the Coqui Trainer printed it to stderr here (coqui-tts 0.28.0, coqui-tts-trainer
/// 0.4.0, Tacotron 2 on the CPU), ANSI codes included; some loss lines left out.
let coquiOutput = """
 > Start Tensorboard: tensorboard --logdir=/tmp/coqui-probe/out/tacotron2-December-03-2026_05+52PM-0000000

 > Model has 28274290 parameters

\u{1B}[4m\u{1B}[1m > EPOCH: 0/0\u{1B}[0m
 --> /tmp/coqui-probe/out/tacotron2-December-03-2026_05+52PM-0000000

\u{1B}[1m > TRAINING (2026-12-03 17:52:17) \u{1B}[0m

\u{1B}[1m   --> TIME: 2026-12-03 17:52:45 -- STEP: 0/6 -- GLOBAL_STEP: 0\u{1B}[0m
     | > current_lr: 0.001  (0.001)

     | > decoder_loss: 3.3942084312438965  (3.3942084312438965)

     | > postnet_loss: 5.398946762084961  (5.398946762084961)

     | > loss: 4.591723918914795  (4.591723918914795)

     | > align_error: 0.9716747663915157  (0.9716747663915157)

     | > grad_norm: tensor(3.6220)  (tensor(3.6220))

     | > step_time: 6.3011  (6.30109429359436)

     | > loader_time: 21.3019  (21.301851987838745)



\u{1B}[1m   --> TIME: 2026-12-03 17:52:56 -- STEP: 1/6 -- GLOBAL_STEP: 1\u{1B}[0m
     | > current_lr: 0.001  (0.001)

     | > decoder_loss: nan  (nan)

     | > loss: nan  (nan)

     | > grad_norm: 0  (tensor(3.4337))

     | > step_time: 5.7324  (5.732391357421875)

     | > loader_time: 0.0273  (0.027324914932250977)


\u{1B}[1m > EVALUATION \u{1B}[0m


  \u{1B}[1m--> EVAL PERFORMANCE\u{1B}[0m
     | > avg_loader_time: 0.03034043312072754 \u{1B}[0m(+0.0)
     | > avg_decoder_loss: 3.490673065185547 \u{1B}[0m(+0.0)
     | > avg_loss: 3.065371513366699 \u{1B}[0m(+0.0)
     | > avg_align_error: 0.9793002009391785 \u{1B}[0m(+0.0)

 > BEST MODEL : /tmp/coqui-probe/out/tacotron2-December-03-2026_05+52PM-0000000/best_model_7.pth
"""

func read(_ output: String, _ settings: ProgressSettings, stepBase: Int = 0) -> [ProgressReader.Reading] {
    var reader = ProgressReader(settings: settings, stepBase: stepBase)
    var readings: [ProgressReader.Reading] = []
    for line in output.split(separator: "\n", omittingEmptySubsequences: false) { readings += reader.read(ANSIText.strip(String(line))) }
    return readings + reader.finish()
}

@Suite("Progress from output lines")
struct ProgressReaderTests {
    @Test("the Coqui preset reads its step blocks and its eval block: losses, tensor grad norms, the learning rate, the NaN marker, the step after the last one read")
    func coquiBlocks() throws {
        let settings = try AdapterPreset.coqui.settings(command: [try ValueTemplate("python3", keyPath: "c")]).progress
        let readings = read(coquiOutput, settings)
        #expect(readings.count == 3, "\(readings)")
        guard case .step(let first) = readings.first, case .step(let second) = readings.dropFirst().first,
              case .validation(let validation) = readings.last else {
            Issue.record("expected two steps and a validation: \(readings)")
            return
        }
        #expect(first.step == 1 && first.learningRate == 0.001 && first.gradNorm == 3.622)
        #expect(first.losses == ["total": 4.591723918914795, "decoder_loss": 3.3942084312438965, "postnet_loss": 5.398946762084961,
                                 "align_error": 0.9716747663915157], "timings are left out: \(first.losses)")
        // Coqui prints a non-finite grad norm as the integer 0.
        #expect(second.step == 2 && second.totalLoss.isNaN && second.gradNorm.isNaN)
        #expect(validation.step == 2 && validation.losses == ["total": 3.065371513366699, "decoder_loss": 3.490673065185547],
                "align_error is no loss: \(validation.losses)")
        #expect(validation.focusRate == 1 - 0.9793002009391785, "Coqui's align_error is 1 − F")
        // After a resume with --restore_path the printed steps count from 0 again.
        guard case .step(let resumed) = read(coquiOutput, settings, stepBase: 40).first else {
            Issue.record("no step")
            return
        }
        #expect(resumed.step == 41)
    }

    @Test("the NVIDIA preset reads its train and validation lines; nan prints as a non-finite loss")
    func nvidiaLines() throws {
        let settings = try AdapterPreset.nvidia.settings(command: [try ValueTemplate("python3", keyPath: "c")]).progress
        let output = """
            Epoch: 0
            Train loss 0 2.540636 Grad Norm 2.254168 0.00s/it
            Validation loss 0:  6.282093  
            Saving model and optimizer state at iteration 0 to /tmp/nv/checkpoint_0
            Train loss 1 nan Grad Norm nan 0.31s/it
            """
        let readings = read(output, settings)
        #expect(readings.count == 3, "\(readings)")
        #expect(Array(readings.prefix(2)) == [
            .step(StepMetrics(step: 1, losses: ["total": 2.540636], gradNorm: 2.254168, learningRate: 0, throughput: 0)),
            .validation(ValidationMetrics(step: 1, losses: ["total": 6.282093], samples: [])),
        ], "iteration 0 is the trial's step 1: \(readings)")
        guard case .step(let broken) = readings.last else {
            Issue.record("no last step: \(readings)")
            return
        }
        #expect(broken.step == 2 && broken.totalLoss.isNaN && broken.gradNorm.isNaN)
    }

    @Test("a line that matches a rule but holds no number, or no loss, is a problem to report, and reading goes on")
    func unreadableLines() throws {
        var settings = ProgressSettings()
        settings.stepLines = [try OutputPattern(#"^step (?<step>\d+) loss (?<loss>\S+)( lr (?<learning_rate>\S+))?"#, keyPath: "p", required: ["step"]),
                              try OutputPattern(#"^it (?<step>\d+) mel (?<mel>\S+)"#, keyPath: "p", required: ["step"])]
        let readings = read("step 1 loss 0.5 lr fast\nit 2 mel 0.4\nstep 3 loss 0.3 lr 1e-3\n", settings)
        #expect(readings.count == 3)
        guard case .problem(let notNumber) = readings[0], case .problem(let noLoss) = readings[1], case .step(let good) = readings[2] else {
            Issue.record("\(readings)")
            return
        }
        #expect(notNumber.contains("'learning_rate' is 'fast', not a number"), "\(notNumber)")
        #expect(noLoss.contains("no 'loss' value") && noLoss.contains("mel"), "\(noLoss)")
        #expect(good.step == 3 && good.learningRate == 0.001)
    }

    @Test("ANSI colour, bold and cursor sequences are removed; other text stays")
    func ansi() {
        #expect(ANSIText.strip("\u{1B}[1m   --> STEP: 3\u{1B}[0m") == "   --> STEP: 3")
        #expect(ANSIText.strip("\u{1B}[2K\u{1B}[1A 50%|█████") == " 50%|█████")
        #expect(ANSIText.strip("plain | > loss: 0.5") == "plain | > loss: 0.5")
        #expect(ANSIText.strip("cut at the end \u{1B}[") == "cut at the end ")
    }

    @Test("printed numbers: plain, exponent, nan and inf in any case, torch tensors on any device")
    func printedNumbers() {
        #expect(PrintedNumber.value("0.52") == 0.52 && PrintedNumber.value("1e-05") == 1e-5)
        #expect(PrintedNumber.value("NaN")?.isNaN == true && PrintedNumber.value("-inf") == -.infinity && PrintedNumber.value("Infinity") == .infinity)
        #expect(PrintedNumber.value("tensor(5.0313)") == 5.0313 && PrintedNumber.value("tensor(1.2346e+08, device='cuda:0')") == 1.2346e8)
        #expect(PrintedNumber.value("fast") == nil && PrintedNumber.value("") == nil)
    }

    @Test("group names with '_' work although ICU allows only letters and digits; look-behinds and classes are left alone")
    func groupNames() throws {
        let pattern = try OutputPattern(#"(?<=^|\s)grad (?<grad_norm>[0-9.]+) [(?<x]+ (?<step_2>\d+)"#, keyPath: "p")
        #expect(pattern.groups == ["grad_norm", "step_2"])
        #expect(pattern.match("grad 1.5 (?<x 7") == ["grad_norm": "1.5", "step_2": "7"])
        #expect(pattern.match("no match") == nil)
        #expect(throws: AdapterSettingError.self) { try OutputPattern(#"loss (?<loss>\S+"#, keyPath: "p") }
        do {
            _ = try OutputPattern(#"loss (?<value>\S+)"#, keyPath: "progress.step", required: ["step"])
            Issue.record("accepted a step rule without a step group")
        } catch let error as AdapterSettingError {
            #expect(error.keyPath == "progress.step" && error.message.contains("no group named 'step'") && error.message.contains("its groups: value"))
        }
    }
}
