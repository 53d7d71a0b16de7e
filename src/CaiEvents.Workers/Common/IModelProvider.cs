using CaiEvents.Models;

namespace CaiEvents.Workers.Common;

/// <summary>The models of this process, by id.</summary>
public interface IModelProvider
{
    /// <summary>The loaded model for an id such as <c>builtin:tiny</c>; loaded once per process and shared.</summary>
    ITextModel Get(string modelId);
}
