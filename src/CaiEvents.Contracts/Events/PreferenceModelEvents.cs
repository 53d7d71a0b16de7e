using System.Text.Json.Serialization;

namespace CaiEvents.Contracts.Events;

// Events of a preference-model training job stream (one stream per job, id from TrainPreferenceModel.JobId).
// The job is reproducible from its first event: the dataset is rebuilt from the event store as of AsOf.

/// <summary>Hyper-parameters of a preference-model job, parsed from the command and frozen into its first event.</summary>
/// <param name="BaseModel">Backbone to start from: builtin:demo, builtin:tiny or hf:DIR (a policy or base checkpoint).</param>
/// <param name="PmpEpochs">Epochs of preference-model pre-training on <paramref name="PmpFile"/> before the run's labels (0 without a file).</param>
/// <param name="HeldOutFraction">Share of the run's prompts (all their pairs) held out for evaluation.</param>
/// <param name="HumanRunId">Run whose imported human comparisons are mixed into the dataset; null: AI labels only.</param>
/// <param name="HumanFraction">Target share of human pairs in the mixed dataset; null: every imported comparison.</param>
/// <param name="Precision">The trainer's precision (<c>bf16</c>); null is fp32 and is left out, so fp32 jobs serialise as before.</param>
/// <param name="GradientAccumulation">Micro-batches per optimizer step; null is 1 and is left out.</param>
/// <param name="ActivationCheckpointing">True when decoder blocks are recomputed in backward; null (off) is left out.</param>
/// <param name="Lora">LoRA settings: only adapters (and the trained heads) train; null (full fine-tuning) is left out.</param>
public sealed record PreferenceModelHyperParameters(
    string BaseModel,
    int Epochs,
    int PmpEpochs,
    int BatchSize,
    double LearningRate,
    int WarmupSteps,
    double MinLearningRateRatio,
    double WeightDecay,
    double MaxGradNorm,
    double HeldOutFraction,
    string? PmpFile,
    int PmpPairsPerQuestion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? HumanRunId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? HumanFraction = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Precision = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? GradientAccumulation = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ActivationCheckpointing = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LoraHyperParameters? Lora = null);

/// <summary>The job's dataset snapshot: its hash, sizes and split, frozen when the command arrives.</summary>
/// <param name="Sources">With human comparisons mixed in: every pair's source (AI label or human import) and side of the split, in
/// dataset order; null for AI labels alone (so such events serialise as before).</param>
public sealed record PreferenceModelTrainingStarted(
    Guid JobId,
    Guid RunId,
    long AsOf,
    long Seed,
    PreferenceModelHyperParameters HyperParameters,
    string DatasetHash,
    int DatasetSize,
    int TrainSize,
    int HeldOutSize,
    string? PmpSha256,
    int TotalEpochs,
    string OutputDirectory,
    string StartedBy,
    DateTimeOffset StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<PreferencePairSource>? Sources = null);

/// <summary>One epoch done. <paramref name="Phase"/> is "pmp" (pre-training) or "preference" (the run's labels).</summary>
/// <param name="Accuracy">Training accuracy over the epoch's batches (pairs ranked the way their target says).</param>
/// <param name="AiHeldOut">With human pairs in the dataset: held-out metrics of the AI-labelled pairs alone; else null.</param>
/// <param name="HumanHeldOut">With human pairs in the dataset: held-out metrics of the human pairs alone; else null.</param>
/// <param name="HeldOutReliability">The held-out reliability diagram whose bins give <paramref name="HeldOutEce"/>; null in events
/// written before it was recorded.</param>
public sealed record EpochCompleted(
    Guid JobId,
    int Epoch,
    int TotalEpochs,
    string Phase,
    double Loss,
    double Accuracy,
    double HeldOutAccuracy,
    double HeldOutEce,
    int Steps,
    double PairsPerSecond,
    string WorkerInstance,
    DateTimeOffset CompletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HeldOutMetrics? AiHeldOut = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HeldOutMetrics? HumanHeldOut = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ReliabilityBin>? HeldOutReliability = null);

/// <summary>
/// A reward-model checkpoint (HF-style directory, see RewardModel) written after epoch <paramref name="Epoch"/>:
/// sha256 of its model.safetensors, held-out accuracy against the AI labels, expected calibration error, and the
/// accuracy on held-out pairs whose label used each principle; with human pairs mixed in, the held-out metrics of each source; and the
/// held-out reliability diagram whose bins give <paramref name="Ece"/> (null in events written before it was recorded).
/// A LoRA job's checkpoint is a PEFT adapter directory: <paramref name="Sha256"/> combines <paramref name="BaseSha256"/> (the base
/// checkpoint it names) and <paramref name="AdapterSha256"/> (its adapter_model.safetensors); both are null (left out) otherwise.
/// </summary>
public sealed record PreferenceModelCheckpointed(
    Guid JobId,
    int Epoch,
    int TotalEpochs,
    string Phase,
    string Path,
    string Sha256,
    double HeldOutAccuracy,
    double Ece,
    IReadOnlyDictionary<string, double> PerPrincipleAccuracy,
    bool Final,
    DateTimeOffset RecordedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HeldOutMetrics? AiHeldOut = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HeldOutMetrics? HumanHeldOut = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ReliabilityBin>? HeldOutReliability = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BaseSha256 = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AdapterSha256 = null);

/// <summary>The job cannot run (bad hyper-parameters, no labels as of AsOf, a missing PMP file); it will not be retried.</summary>
public sealed record PreferenceModelTrainingFailed(Guid JobId, string Reason, DateTimeOffset FailedAt);
