using System.Text.Json.Serialization;

namespace CaiEvents.Contracts.Events;

// Events of a policy-training job stream (one stream per job). SL-CAI fine-tuning writes them now;
// PPO adds its own per-step events later. A job is reproducible from its first event alone: the
// dataset is rebuilt from the event store as of DatasetSnapshotPosition.

/// <summary>Hyper-parameters of a supervised fine-tuning job, frozen into its first event.</summary>
/// <param name="Precision">The trainer's precision (<c>bf16</c>); null is fp32 and is left out, so fp32 jobs serialise as before.</param>
/// <param name="GradientAccumulation">Micro-batches per optimizer step; null is 1 and is left out.</param>
/// <param name="ActivationCheckpointing">True when decoder blocks are recomputed in backward; null (off) is left out.</param>
public sealed record SftHyperParameters(
    int Epochs,
    int BatchSize,
    double LearningRate,
    int WarmupSteps,
    double MinLearningRateRatio,
    double WeightDecay,
    double MaxGradNorm,
    int MaxSequenceLength,
    int CheckpointEvery,
    long Seed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Precision = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? GradientAccumulation = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ActivationCheckpointing = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LoraHyperParameters? Lora = null);

public sealed record PolicyTrainingStarted(
    Guid JobId,
    string Kind,
    Guid RunId,
    string BaseModel,
    string BaseCheckpointHash,
    long DatasetSnapshotPosition,
    string DatasetHash,
    int DatasetSize,
    int TotalSteps,
    SftHyperParameters HyperParameters,
    string OutputDirectory,
    string StartedBy,
    DateTimeOffset StartedAt);

/// <summary>
/// A checkpoint on disk: safetensors weights in a Hugging Face directory, with its sha256. A LoRA checkpoint is a PEFT adapter directory
/// whose <paramref name="Sha256"/> combines <paramref name="BaseSha256"/> and <paramref name="AdapterSha256"/> (recorded by PPO; null and
/// left out otherwise).
/// </summary>
public sealed record PolicyCheckpointed(
    Guid JobId,
    int Step,
    int TotalSteps,
    string Path,
    string Sha256,
    long DatasetSnapshotPosition,
    SftHyperParameters? HyperParameters, // null on a PPO job's stream: its hyper-parameters are in PpoStarted
    IReadOnlyDictionary<string, double> Metrics,
    bool Final,
    DateTimeOffset RecordedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BaseSha256 = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AdapterSha256 = null);
