using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Labeller;

/// <summary>
/// Bound from "Workers:Labeller". The Labeller role consumes <see cref="CaiEvents.Contracts.Commands.LabelPreference"/> (soft (A)/(B) preference labels);
/// <see cref="LabelPreferenceConsumer"/> is its consumer.
/// </summary>
/// <remarks>
/// Commands are consumed in batches of up to <see cref="BatchSize"/>, delivered when full or <see cref="BatchTimeLimitMs"/>
/// after the first message; <see cref="WorkerRoleOptions.Concurrency"/> is the number of batches processed at once.
/// </remarks>
public sealed record LabellerOptions : WorkerRoleOptions, IBatchingOptions
{
    /// <summary>The most labelling commands consumed (and scored together) in one batch.</summary>
    public int BatchSize { get; set; } = 16;
    /// <summary>How long a batch waits for more commands after its first one, in milliseconds.</summary>
    public int BatchTimeLimitMs { get; set; } = 200;
}
