using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.SftTrainer;

/// <summary>
/// Bound from "Workers:SftTrainer". The SftTrainer role consumes <see cref="CaiEvents.Contracts.Commands.FineTunePolicy"/>: it starts
/// the job's stream and returns; <see cref="Common.Jobs.BackgroundJobService"/> fine-tunes the policy (<see cref="SftJob"/>).
/// </summary>
public sealed record SftTrainerOptions : WorkerRoleOptions
{
    /// <summary>Where checkpoints go when a command names no output directory: OutputRoot/JOB_ID (default ~/.cache/caievents/sft).</summary>
    public string? OutputRoot { get; set; }

    public string ResolvedOutputRoot => OutputRoot is { Length: > 0 } root ? Path.GetFullPath(root)
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "caievents", "sft");
}
