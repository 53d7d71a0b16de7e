using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CaiEvents.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.SecondDecoder;

/// <summary>
/// Saves and hashes a <see cref="PrefixMeanDecoder"/>: its state dict (plus any extra tensors) in one <c>model.safetensors</c>
/// and a <c>config.json</c> whose <c>model_type</c> no registered architecture knows. It cannot load (tests never need it to).
/// </summary>
internal sealed class PrefixMeanArchitecture : ILocalArchitecture
{
    public const string ModelType = "prefix-mean-test";

    public string Name => ModelType;

    public LoadedCheckpoint Load(string directory, ModelOptions options, IReadOnlySet<string>? extraTensorNames = null, bool withoutDropout = false) =>
        throw new NotSupportedException("the test decoder is never loaded from disk");

    public void Save(ICausalLanguageModel network, ITextTokenizer tokenizer, string directory, IReadOnlyDictionary<string, Tensor>? extraTensors = null)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, ModelArchitectures.ConfigFileName), new JsonObject
        {
            ["model_type"] = ModelType,
            ["vocab_size"] = network.VocabSize,
            ["hidden_size"] = network.HiddenSize,
        }.ToJsonString());
        using var scope = NewDisposeScope();
        SafeTensors.Write(Path.Combine(directory, LocalCheckpoint.WeightsFileName), Tensors(network, extraTensors));
    }

    public string WeightsSha256(ICausalLanguageModel network, IReadOnlyDictionary<string, Tensor>? extraTensors = null)
    {
        using var stream = new MemoryStream();
        using (var scope = NewDisposeScope())
        {
            SafeTensors.Write(stream, Tensors(network, extraTensors));
        }
        return Convert.ToHexStringLower(SHA256.HashData(stream.ToArray()));
    }

    private static Dictionary<string, Tensor> Tensors(ICausalLanguageModel network, IReadOnlyDictionary<string, Tensor>? extraTensors)
    {
        var tensors = ((PrefixMeanDecoder)network).state_dict().ToDictionary(p => p.Key, p => p.Value.detach());
        foreach (var (name, tensor) in extraTensors ?? new Dictionary<string, Tensor>()) tensors.Add(name, tensor.detach());
        return tensors;
    }
}
