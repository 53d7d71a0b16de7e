namespace CaiEvents.Workers.Common;

/// <summary>Options of a role that consumes a command in batches.</summary>
public interface IBatchingOptions
{
    /// <summary>The most commands consumed (and sent to the model together) in one batch.</summary>
    int BatchSize { get; }
    /// <summary>How long a batch waits for more commands after its first one, in milliseconds.</summary>
    int BatchTimeLimitMs { get; }
}
