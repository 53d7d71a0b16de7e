namespace CaiEvents.Models.Llama;

/// <summary>The <c>model_type</c> values of the Llama family that <see cref="LlamaModel"/> runs, and their HF class names.</summary>
public static class LlamaModelType
{
    public const string Llama = "llama";
    public const string Mistral = "mistral";
    public const string Qwen2 = "qwen2";
    public const string Qwen3 = "qwen3";

    /// <summary>Every supported <c>model_type</c>, in the order error messages list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Llama, Mistral, Qwen2, Qwen3];

    /// <summary>The <c>architectures</c> entry transformers expects for <paramref name="modelType"/>.</summary>
    public static string Architecture(string modelType) => modelType switch
    {
        Llama => "LlamaForCausalLM",
        Mistral => "MistralForCausalLM",
        Qwen2 => "Qwen2ForCausalLM",
        Qwen3 => "Qwen3ForCausalLM",
        _ => throw new ArgumentException($"model_type '{modelType}' is not supported; expected one of {string.Join(", ", All)}.", nameof(modelType)),
    };
}
