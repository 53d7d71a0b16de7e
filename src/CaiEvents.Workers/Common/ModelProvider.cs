using System.Collections.Concurrent;
using CaiEvents.Models;
using CaiEvents.Models.Remote;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Common;

/// <summary>How this process runs models. Bound from the "Models" configuration section.</summary>
public sealed record ModelRuntimeOptions
{
    /// <summary>cpu, cuda or auto.</summary>
    public string Device { get; init; } = "cpu";
    public string DType { get; init; } = "float32";
    /// <summary>Seed for the built-in models' weight initialisation.</summary>
    public long InitSeed { get; init; } = 1234;
    /// <summary>Remote (<c>openai:</c>) models: <c>Models:Remote:ApiKey</c> (else OPENAI_API_KEY), <c>Timeout</c>, <c>MaxRetries</c>, ….</summary>
    public RemoteModelOptions Remote { get; init; } = new();
}

public interface IModelProvider
{
    /// <summary>The loaded model for an id such as <c>builtin:tiny</c>; loaded once per process and shared.</summary>
    ITextModel Get(string modelId);
}

public sealed class ModelProvider(IOptions<ModelRuntimeOptions> options) : IModelProvider, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ITextModel>> _models = new();

    public ITextModel Get(string modelId) =>
        _models.GetOrAdd(modelId, id => new Lazy<ITextModel>(() =>
            ModelCatalog.Load(id, new ModelOptions { Device = options.Value.Device, DType = options.Value.DType, Seed = options.Value.InitSeed, Remote = options.Value.Remote }))).Value;

    public void Dispose()
    {
        foreach (var model in _models.Values.Where(m => m.IsValueCreated)) model.Value.Dispose();
    }
}
