using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.PMTrainer;

/// <summary>
/// Bound from "Workers:PMTrainer". The PMTrainer role consumes <see cref="CaiEvents.Contracts.Commands.TrainPreferenceModel"/>:
/// it starts the job's stream and returns; <see cref="Common.Jobs.BackgroundJobService"/> trains it (<see cref="PreferenceModelJob"/>).
/// </summary>
public sealed record PMTrainerOptions : WorkerRoleOptions
{
    /// <summary>Where checkpoints go: OutputRoot/JOB_ID/epoch-NNN (default ~/.cache/caievents/pm).</summary>
    public string? OutputRoot { get; set; }

    public string ResolvedOutputRoot => OutputRoot is { Length: > 0 } root ? Path.GetFullPath(root)
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "caievents", "pm");
}
