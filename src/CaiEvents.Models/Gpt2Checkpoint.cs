using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// The Hugging Face GPT-2 directory layout: <c>config.json</c>, <c>model.safetensors</c> (keys
/// <c>transformer.*</c>, <c>lm_head.weight</c> omitted because it is tied), <c>vocab.json</c>,
/// <c>merges.txt</c> and a minimal <c>tokenizer_config.json</c>. HF's GPT-2 uses <c>Conv1D</c> for
/// <c>c_attn</c>, <c>c_proj</c>, <c>c_fc</c> and <c>mlp.c_proj</c>, whose weights are stored [in, out],
/// transposed relative to <c>nn.Linear</c>; they are transposed on the way in and out.
/// </summary>
public static class Gpt2Checkpoint
{
    public const string WeightsFileName = "model.safetensors";
    public const string TokenizerConfigFileName = "tokenizer_config.json";
    private const string Prefix = "transformer.";

    /// <summary>transformers refuses safetensors files whose metadata lacks a known format.</summary>
    private static readonly IReadOnlyDictionary<string, string> Metadata = new Dictionary<string, string> { ["format"] = "pt" };

    /// <summary>Loads config, tokenizer and weights from a GPT-2 directory onto the CPU (float32).</summary>
    /// <returns>The model, its tokenizer, and the sha256 of <c>model.safetensors</c>.</returns>
    /// <exception cref="CheckpointFormatException">Missing directory or file, malformed file, missing or mis-shaped tensor.</exception>
    public static (Gpt2Model Model, Gpt2Tokenizer Tokenizer, string WeightsSha256) Load(string directory)
    {
        var (model, tokenizer, sha, _) = Load(directory, extraTensorNames: null, withoutDropout: false);
        return (model, tokenizer, sha);
    }

    /// <summary>
    /// <see cref="Load(string)"/>, setting aside the tensors named in <paramref name="extraTensorNames"/> (not weights of the
    /// network, e.g. a reward head): those present are returned as CPU copies the caller disposes.
    /// <paramref name="withoutDropout"/> zeroes the config's dropout rates.
    /// </summary>
    public static (Gpt2Model Model, Gpt2Tokenizer Tokenizer, string WeightsSha256, Dictionary<string, Tensor> ExtraTensors) Load(
        string directory, IReadOnlySet<string>? extraTensorNames, bool withoutDropout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new CheckpointFormatException(directory, null, "model directory not found");
        }
        var config = Gpt2Config.Load(Path.Combine(directory, Gpt2Config.FileName));
        if (withoutDropout)
        {
            config = config.WithoutDropout();
        }
        var tokenizer = Gpt2Tokenizer.Load(directory);
        if (tokenizer.VocabCount > config.VocabSize)
        {
            throw new CheckpointFormatException(Path.Combine(directory, Gpt2Tokenizer.VocabFileName), null,
                $"tokenizer has ids up to {tokenizer.VocabCount - 1} but config vocab_size is {config.VocabSize}");
        }
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weightsPath))
        {
            throw new CheckpointFormatException(weightsPath, null, "file not found (only single-file safetensors checkpoints are supported)");
        }
        var model = new Gpt2Model(config);
        var extras = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using (var file = SafeTensors.Read(weightsPath))
            {
                // A view without the extra tensors for the weight loader (the file still owns every tensor).
                var body = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
                foreach (var (name, tensor) in file.Tensors)
                {
                    if (extraTensorNames?.Contains(name) == true)
                    {
                        extras[name] = tensor.clone();
                    }
                    else
                    {
                        body.Add(name, tensor);
                    }
                }
                LoadWeights(model, new SafeTensorsFile(body, file.Metadata), weightsPath);
            }
            string sha;
            using (var stream = File.OpenRead(weightsPath))
            {
                sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            return (model, tokenizer, sha, extras);
        }
        catch
        {
            model.Dispose();
            foreach (var extra in extras.Values)
            {
                extra.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> and <paramref name="tokenizer"/> as a GPT-2 directory (created if needed);
    /// <paramref name="extraTensors"/> (e.g. a reward head) go into <c>model.safetensors</c> under their own names.
    /// </summary>
    public static void Save(Gpt2Model model, Gpt2Tokenizer tokenizer, string directory, IReadOnlyDictionary<string, Tensor>? extraTensors = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        model.Config.Save(Path.Combine(directory, Gpt2Config.FileName));
        tokenizer.Save(directory);
        var tokenizerConfig = new JsonObject
        {
            ["add_prefix_space"] = false,
            ["bos_token"] = Gpt2Tokenizer.EndOfText,
            ["eos_token"] = Gpt2Tokenizer.EndOfText,
            ["model_max_length"] = model.Config.NPositions,
            ["tokenizer_class"] = "GPT2Tokenizer",
            ["unk_token"] = Gpt2Tokenizer.EndOfText,
        };
        File.WriteAllText(Path.Combine(directory, TokenizerConfigFileName),
            tokenizerConfig.ToJsonString(new() { WriteIndented = true }) + "\n", new UTF8Encoding(false));
        using var scope = NewDisposeScope();
        SafeTensors.Write(Path.Combine(directory, WeightsFileName), HfTensors(model, extraTensors), Metadata);
    }

    /// <summary>sha256 (lower-case hex) of the <c>model.safetensors</c> bytes that <see cref="Save"/> would write.</summary>
    public static string ComputeWeightsSha256(Gpt2Model model, IReadOnlyDictionary<string, Tensor>? extraTensors = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var sha = SHA256.Create();
        using (var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write))
        using (var scope = NewDisposeScope())
        {
            SafeTensors.Write(hashing, HfTensors(model, extraTensors), Metadata);
        }
        return Convert.ToHexStringLower(sha.Hash!);
    }

    /// <summary>The model's weights under HF names, Conv1D weights transposed (new tensors in the caller's dispose scope).</summary>
    public static Dictionary<string, Tensor> HfTensors(Gpt2Model model, IReadOnlyDictionary<string, Tensor>? extraTensors = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in Lora.LoraNames.BaseWeights(model.state_dict()))
        {
            var value = tensor.detach();
            result[Prefix + name] = IsConv1DWeight(name) ? value.t().contiguous() : value;
        }
        foreach (var (name, tensor) in extraTensors ?? new Dictionary<string, Tensor>())
        {
            if (!result.TryAdd(name, tensor.detach()))
            {
                throw new ArgumentException($"Extra tensor '{name}' has the name of a GPT-2 weight.", nameof(extraTensors));
            }
        }
        return result;
    }

    /// <summary>Copies HF-named tensors (with or without the <c>transformer.</c> prefix) into <paramref name="model"/>.</summary>
    /// <param name="path">Names the file in error messages.</param>
    public static void LoadWeights(Gpt2Model model, SafeTensorsFile file, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(file);
        var available = new Dictionary<string, (string FileName, Tensor Tensor)>(StringComparer.Ordinal);
        foreach (var (fileName, tensor) in file.Tensors)
        {
            var name = fileName.StartsWith(Prefix, StringComparison.Ordinal) ? fileName[Prefix.Length..] : fileName;
            // Tied output head and HF's old attention-mask buffers are not weights of this model.
            if (name == "lm_head.weight" || name.EndsWith(".attn.bias", StringComparison.Ordinal)
                || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal))
            {
                continue;
            }
            if (!available.TryAdd(name, (fileName, tensor)))
            {
                throw new CheckpointFormatException(path, fileName, "present both with and without the 'transformer.' prefix");
            }
        }
        var usesPrefix = file.Tensors.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal));
        var expected = Lora.LoraNames.BaseWeights(model.state_dict());
        using var noGrad = no_grad();
        foreach (var (name, parameter) in expected)
        {
            if (!available.Remove(name, out var source))
            {
                throw new CheckpointFormatException(path, (usesPrefix ? Prefix : "") + name, "missing from the checkpoint");
            }
            var conv = IsConv1DWeight(name);
            var wanted = conv ? parameter.shape.Reverse().ToArray() : parameter.shape;
            if (!source.Tensor.shape.SequenceEqual(wanted))
            {
                throw new CheckpointFormatException(path, source.FileName,
                    $"shape [{string.Join(", ", source.Tensor.shape)}] does not match the config's [{string.Join(", ", wanted)}]");
            }
            if (!source.Tensor.is_floating_point())
            {
                throw new CheckpointFormatException(path, source.FileName, $"dtype {source.Tensor.dtype} is not a floating-point type");
            }
            using var scope = NewDisposeScope();
            parameter.copy_(conv ? source.Tensor.t() : source.Tensor);
        }
        if (available.Count > 0)
        {
            var (_, (fileName, _)) = available.First();
            throw new CheckpointFormatException(path, fileName, "unexpected tensor: not a weight of a GPT-2 model with this config");
        }
    }

    /// <summary>Weights that HF's GPT-2 keeps in <c>Conv1D</c> layout [in, out].</summary>
    private static bool IsConv1DWeight(string name) =>
        name.EndsWith(".weight", StringComparison.Ordinal)
        && (name.EndsWith(".attn.c_attn.weight", StringComparison.Ordinal) || name.EndsWith(".attn.c_proj.weight", StringComparison.Ordinal)
            || name.EndsWith(".mlp.c_fc.weight", StringComparison.Ordinal) || name.EndsWith(".mlp.c_proj.weight", StringComparison.Ordinal));
}
