using System.Collections.Concurrent;
using CaiEvents.Models;

namespace CaiEvents.Workers.Common;

/// <summary>Loads each model once, on the device and with the dtype of the process's one <see cref="ModelOptions"/>.</summary>
public sealed class ModelProvider(ModelOptions options) : IModelProvider, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ITextModel>> _models = new();

    public ITextModel Get(string modelId) =>
        _models.GetOrAdd(modelId, id => new Lazy<ITextModel>(() => ModelCatalog.Load(id, options))).Value;

    public void Dispose()
    {
        foreach (var model in _models.Values.Where(m => m.IsValueCreated)) model.Value.Dispose();
    }
}
