using static TorchSharp.torch;

namespace CaiEvents.Models.Lora;

/// <summary>
/// How adapter tensors are named, in memory and in PEFT's files. In memory a wrapped layer <c>P</c> (a <see cref="LoraLinear"/>) holds
/// <c>P.lora_A.weight</c> and <c>P.lora_B.weight</c>. PEFT saves them as <c>base_model.model.</c> + the layer's path in the Hugging Face
/// model + <c>.lora_A.weight</c> / <c>.lora_B.weight</c> (its adapter name <c>default</c> left out); the HF path of a GPT-2 layer starts
/// with <c>transformer.</c>, a Llama-family path with <c>model.</c> as our module names already do.
/// </summary>
public static class LoraNames
{
    /// <summary>PEFT's prefix of every saved key (its <c>PeftModel</c> wraps the task model as <c>base_model.model</c>).</summary>
    public const string PeftPrefix = "base_model.model.";

    public const string LoraA = "lora_A";
    public const string LoraB = "lora_B";

    /// <summary>True for an adapter tensor's in-memory name (<c>….lora_A.weight</c> or <c>….lora_B.weight</c>).</summary>
    public static bool IsAdapterTensor(string name) =>
        name.EndsWith($".{LoraA}.weight", StringComparison.Ordinal) || name.EndsWith($".{LoraB}.weight", StringComparison.Ordinal);

    /// <summary>A state dict without its adapter tensors: the base model's weights, as they are saved and hashed.</summary>
    public static Dictionary<string, Tensor> BaseWeights(Dictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (!stateDict.Keys.Any(IsAdapterTensor)) return stateDict;
        return stateDict.Where(p => !IsAdapterTensor(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>Where a network's module paths sit in its Hugging Face model: <c>transformer.</c> for GPT-2, nothing for the Llama family.</summary>
    public static string HfModulePrefix(ICausalLanguageModel network) => network is Gpt2Model ? "transformer." : "";

    /// <summary>PEFT's key of an in-memory adapter tensor name, e.g. <c>h.0.attn.c_attn.lora_A.weight</c> of GPT-2 →
    /// <c>base_model.model.transformer.h.0.attn.c_attn.lora_A.weight</c>.</summary>
    public static string PeftKey(ICausalLanguageModel network, string name) => PeftPrefix + HfModulePrefix(network) + name;

    /// <summary>The layer name that <c>target_modules</c> entries match: the last segment of a module path.</summary>
    public static string LayerName(string modulePath) => modulePath[(modulePath.LastIndexOf('.') + 1)..];
}
