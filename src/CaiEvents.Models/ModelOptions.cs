using CaiEvents.Models.Remote;
using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// Where and how a model runs. Configuration, not code: bind it from settings.
/// </summary>
/// <param name="Device"><c>cpu</c>, <c>cuda</c> (or <c>cuda:N</c>), or <c>auto</c> (cuda if available, else cpu).</param>
/// <param name="DType"><c>float32</c> (default); <c>bfloat16</c> or <c>float16</c> only on cuda.</param>
/// <param name="Seed">Seed for deterministic weight initialisation of untrained (builtin) models.</param>
public sealed record ModelOptions(string Device = "auto", string DType = "float32", long Seed = 1234)
{
    public static ModelOptions Default { get; } = new();

    /// <summary>Key, timeout and retries for remote (<c>openai:</c>) models; local models ignore it.</summary>
    public RemoteModelOptions Remote { get; init; } = new();

    /// <summary>Threads, context size and batch size for <c>gguf:</c> models (llama.cpp); other models ignore it.</summary>
    public Gguf.LlamaCppOptions LlamaCpp { get; init; } = new();

    public static ModelOptions Cpu { get; } = new(Device: "cpu");

    /// <summary>
    /// A chat-template family (<see cref="Chat.ChatTemplates.Families"/>) that local models use instead of the one their
    /// <c>tokenizer_config.json</c> names: for a checkpoint whose template is not recognised, or a base model prompted as an
    /// instruct one. Null: each checkpoint's own template.
    /// </summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Resolves the configured device and dtype, or throws a one-line explanation.</summary>
    public (Device Device, ScalarType DType) Resolve()
    {
        var name = (Device ?? "auto").Trim().ToLowerInvariant();
        Device device;
        if (name == "auto")
        {
            device = cuda.is_available() ? CUDA : CPU;
        }
        else if (name == "cpu")
        {
            device = CPU;
        }
        else if (name == "cuda" || name.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
            {
                throw new InvalidOperationException(
                    $"Model device '{Device}' requested but CUDA is not available (build with -p:TorchBackend=cuda on a GPU host, or use 'cpu'/'auto').");
            }
            device = torch.device(name);
        }
        else
        {
            throw new ArgumentException($"Unknown model device '{Device}'; expected 'cpu', 'cuda' or 'auto'.");
        }

        var dtype = (DType ?? "float32").Trim().ToLowerInvariant() switch
        {
            "float32" or "fp32" => ScalarType.Float32,
            "bfloat16" or "bf16" => ScalarType.BFloat16,
            "float16" or "fp16" => ScalarType.Float16,
            _ => throw new ArgumentException($"Unknown model dtype '{DType}'; expected 'float32', 'bfloat16' or 'float16'."),
        };
        if (dtype != ScalarType.Float32 && device.type != DeviceType.CUDA)
        {
            throw new ArgumentException($"Model dtype '{DType}' is only supported on cuda; use 'float32' on {device.type.ToString().ToLowerInvariant()}.");
        }
        return (device, dtype);
    }
}
