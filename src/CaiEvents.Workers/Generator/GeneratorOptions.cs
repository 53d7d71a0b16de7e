using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Generator;

/// <summary>
/// Bound from "Workers:Generator". The Generator role consumes <see cref="CaiEvents.Contracts.Commands.GenerateResponse"/>
/// (one message at a time) and <see cref="CaiEvents.Contracts.Commands.GenerateResponsePair"/> (in batches, see
/// <see cref="GenerateResponsePairConsumer"/>).
/// </summary>
/// <remarks>
/// Pair commands are consumed in batches of up to <see cref="BatchSize"/>, delivered when full or <see cref="BatchTimeLimitMs"/>
/// after the first message; <see cref="WorkerRoleOptions.Concurrency"/> is the number of batches processed at once.
/// </remarks>
public sealed record GeneratorOptions : WorkerRoleOptions, IBatchingOptions
{
    /// <summary>The most pair commands consumed (and generated together) in one batch.</summary>
    public int BatchSize { get; set; } = 16;
    /// <summary>How long a batch waits for more pair commands after its first one, in milliseconds.</summary>
    public int BatchTimeLimitMs { get; set; } = 200;
}
