using static TorchSharp.torch;

namespace CaiEvents.Models.Lora;

/// <summary>
/// Modules trained in full beside a LoRA adapter and saved with it (PEFT's <c>modules_to_save</c>), e.g. a reward model's score head:
/// its tensors under their in-memory names (<c>score.weight</c>, <c>score.bias</c>) and the adapter's PEFT <c>task_type</c>.
/// </summary>
public sealed record PeftSavedModules(string TaskType, IReadOnlyDictionary<string, Tensor> Tensors)
{
    /// <summary>The module paths (each tensor name without its last segment), in order of first appearance.</summary>
    public IReadOnlyList<string> ModuleNames => [.. Tensors.Keys.Select(k => k[..k.LastIndexOf('.')]).Distinct(StringComparer.Ordinal)];
}
