using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>
/// Bound from "Workers:PPOLearner". The PPOLearner role consumes <see cref="CaiEvents.Contracts.Commands.TrainPolicy"/>: it starts
/// the job's stream and returns; <see cref="Common.Jobs.BackgroundJobService"/> runs PPO (<see cref="PpoJob"/>).
/// </summary>
public sealed record PPOLearnerOptions : WorkerRoleOptions
{
    /// <summary>Where checkpoints go when a command names no output directory: OutputRoot/JOB_ID (default ~/.cache/caievents/ppo).</summary>
    public string? OutputRoot { get; set; }

    /// <summary>With distributed rollouts: seconds to wait for a step's rollouts before sending the request again.</summary>
    public int RolloutTimeoutSeconds { get; set; } = 300;

    /// <summary>With distributed rollouts: prompts per <see cref="CaiEvents.Contracts.Commands.GenerateRollouts"/> request (a step is split into shards that
    /// workers sample in parallel).</summary>
    public int RolloutShardSize { get; set; } = 8;

    public string ResolvedOutputRoot => OutputRoot is { Length: > 0 } root ? Path.GetFullPath(root)
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "caievents", "ppo");
}
