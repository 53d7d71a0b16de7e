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
    /// <summary>
    /// The most labelling commands consumed (and scored together) in one batch. 1 by default: on CPU a batch is slower
    /// than one pair at a time (docs/benchmarks.md, Labeller batching), and a padded batch rounds a label's
    /// probabilities slightly differently (≤ 1e-6) depending on which pairs share it, so with 1 the labels of two runs
    /// with the same seed are identical. Raise it (e.g. 16) on an accelerator.
    /// </summary>
    public int BatchSize { get; set; } = 1;
    /// <summary>How long a batch waits for more commands after its first one, in milliseconds.</summary>
    public int BatchTimeLimitMs { get; set; } = 200;
    /// <summary>
    /// The least probability mass the two options must hold among a server's top log-probabilities for a judgement to count
    /// (<see cref="OptionMassCheck"/>); below it the label step is a recorded failure that <c>cai retry-failed</c> can retry.
    /// 0.5 by default. Exact continuation scores (local models, echo scoring) carry no mass and are never checked.
    /// </summary>
    public double MinOptionMass { get; set; } = OptionMassCheck.DefaultThreshold;
}
