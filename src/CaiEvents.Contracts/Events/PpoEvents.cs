using System.Text.Json.Serialization;

namespace CaiEvents.Contracts.Events;

// Events of a PPO job stream (one stream per job): PpoStarted, then one PolicyUpdateCompleted per step and a
// PolicyCheckpointed (the event SFT jobs write too, with HyperParameters null) every CheckpointEvery steps.

/// <summary>Hyper-parameters of a PPO job, frozen into its first event.</summary>
/// <param name="Precision">The trainer's precision (<c>bf16</c>); null is fp32 and is left out, so fp32 jobs serialise as before.</param>
/// <param name="GradientAccumulation">Micro-batches per optimizer step; null is 1 and is left out.</param>
/// <param name="ActivationCheckpointing">True when decoder blocks are recomputed in backward; null (off) is left out.</param>
/// <param name="Lora">LoRA settings: only adapters (and the trained heads) train; null (full fine-tuning) is left out.</param>
public sealed record PpoHyperParameters(
    int Steps,
    int RolloutsPerStep,
    int MiniBatchSize,
    int Epochs,
    double LearningRate,
    double ValueLearningRate,
    double ClipRange,
    double ValueClipRange,
    double ValueCoefficient,
    double EntropyCoefficient,
    double Gamma,
    double Lambda,
    double MaxGradNorm,
    double InitialKlCoefficient,
    double? KlTarget,
    double KlHorizon,
    int MaxNewTokens,
    int CheckpointEvery,
    long Seed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Precision = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? GradientAccumulation = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ActivationCheckpointing = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LoraHyperParameters? Lora = null);

/// <summary>
/// A PPO job: the policy it starts from (also the frozen reference), the preference model whose score is the
/// reward (and whose weights initialise the value network), the prompt set (a run's prompts, hashed), and its settings.
/// </summary>
public sealed record PpoStarted(
    Guid JobId,
    Guid RunId,
    string PolicyModel,
    string PolicyCheckpointHash,
    string ReferenceModel,
    string ReferenceCheckpointHash,
    string PreferenceModel,
    string PreferenceModelCheckpointHash,
    string PromptSetHash,
    int PromptCount,
    PpoHyperParameters HyperParameters,
    long Seed,
    string RolloutMode,
    string OutputDirectory,
    string StartedBy,
    DateTimeOffset StartedAt);

/// <summary>
/// One PPO step (1-based <see cref="Step"/>): mean preference-model reward of its rollouts, mean sequence KL to the
/// reference, and the update's statistics. <see cref="RolloutPolicyHash"/> is the sha256 of the policy weights that
/// generated the rollouts; <see cref="PromptCursor"/> counts the prompts drawn so far (the sampler's position after this step).
/// </summary>
public sealed record PolicyUpdateCompleted(
    Guid JobId,
    int Step,
    double MeanReward,
    double MeanKl,
    double MeanTotalReward,
    double ClipFraction,
    double PolicyLoss,
    double ValueLoss,
    double Entropy,
    double KlCoefficient,
    double MeanResponseTokens,
    string RolloutPolicyHash,
    long PromptCursor,
    DateTimeOffset RecordedAt);
