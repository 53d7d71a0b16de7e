using CaiEvents.Contracts.Events;

namespace CaiEvents.Contracts.Commands;

/// <summary>
/// Ask the SftTrainer to fine-tune <see cref="BaseModel"/> on a run's finalised SL examples (SL-CAI), as of event-store sequence
/// <see cref="AsOf"/> (null: all of them when the job starts). <see cref="JobId"/> is the job stream's id; a sender that wants
/// <c>cai sft</c>'s job for the same output directory uses <c>SftJob.JobId(RunId, OutputDirectory)</c>.
/// <see cref="OutputDirectory"/>: where checkpoints go (empty: the worker's output root / JobId).
/// </summary>
public sealed record FineTunePolicy(Guid JobId, Guid RunId, string BaseModel, string OutputDirectory, long? AsOf, SftHyperParameters HyperParameters);
