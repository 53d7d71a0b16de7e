namespace CaiEvents.Models;

/// <summary>
/// Keys and values of the tokens a <see cref="ICausalLanguageModel"/> has already processed, so that each generation
/// step feeds only the new token. Made by <see cref="ICausalLanguageModel.CreateKvCache"/>; each architecture has its own.
/// </summary>
public interface IKeyValueCache : IDisposable
{
    /// <summary>Rows the cache holds.</summary>
    long Batch { get; }

    /// <summary>Tokens per row it can hold.</summary>
    long Capacity { get; }

    /// <summary>Number of tokens cached so far.</summary>
    long Length { get; }
}
