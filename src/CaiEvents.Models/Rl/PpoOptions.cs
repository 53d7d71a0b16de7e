using CaiEvents.Models.Training;

namespace CaiEvents.Models.Rl;

/// <summary>Hyper-parameters of one PPO update (per step: one batch of rollouts, <see cref="Epochs"/> passes over it in minibatches).</summary>
/// <param name="Precision">What the networks compute in during a step (<see cref="MasterWeights"/>); log-probs, ratio and KL are fp32.</param>
/// <param name="GradientAccumulation">
/// Micro-batches of <paramref name="MiniBatchSize"/> rollouts per optimizer step: the losses are means over the tokens of all of them.
/// </param>
/// <param name="ActivationCheckpointing">Recompute each decoder block of the policy and value network in backward.</param>
public sealed record PpoOptions(
    int MiniBatchSize = 8,
    int Epochs = 2,
    double LearningRate = 1e-4,
    double ValueLearningRate = 1e-4,
    double ClipRange = 0.2,
    double ValueClipRange = 0.2,
    double ValueCoefficient = 0.5,
    double EntropyCoefficient = 0.0,
    double Gamma = 1.0,
    double Lambda = 0.95,
    double MaxGradNorm = 1.0,
    long Seed = 42,
    TrainingPrecision Precision = TrainingPrecision.Fp32,
    int GradientAccumulation = 1,
    bool ActivationCheckpointing = false);
