using CaiEvents.Contracts;
using CaiEvents.Models;

namespace CaiEvents.Workers.Generator;

/// <summary>The policy checkpoint this process last sampled PPO rollouts from (one at a time: each PPO step has a new policy).</summary>
public sealed class RolloutPolicyCache(ModelOptions options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Directory, LocalTextModel Model)? _current;

    /// <summary>Runs <paramref name="use"/> with the model loaded from <paramref name="directory"/> (loaded once per directory).</summary>
    public async Task<T> UseAsync<T>(string directory, Func<LocalTextModel, Task<T>> use, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_current?.Directory != directory)
            {
                _current?.Model.Dispose();
                _current = null;
                _current = (directory, LocalTextModel.Load(ModelIds.Hf(directory), directory, options));
            }
            return await use(_current.Value.Model);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _current?.Model.Dispose();
        _gate.Dispose();
    }
}
