using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CaiEvents.Models;
using CaiEvents.Models.Comparison;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Gguf;

/// <summary>
/// A deliberately plain, test-only reading of a tiny HF Llama-family checkpoint, written from the published maths
/// (RMSNorm, half-split rotary embeddings with HF's llama3 band rule, grouped-query causal attention, SwiGLU, qwen2
/// biases, qwen3 per-head q/k norms), with no cache and no batching, and tokenized by Microsoft.ML.Tokenizers from
/// tokenizer.json. It checks the converter against llama.cpp until the project's own Llama model is wired into
/// <see cref="LlamaFamilyLlamaCppTests.AssertMatchesLlamaCpp"/>.
/// </summary>
internal sealed class ReferenceLlamaProbe : IModelProbe, IDisposable
{
    private readonly SafeTensorsFile weights;
    private readonly JsonObject config;
    private readonly BpeTokenizer tokenizer;
    private readonly int heads, kvHeads, headDim, layers;
    private readonly double eps;
    private readonly Tensor invFreq;

    public ReferenceLlamaProbe(string directory)
    {
        weights = SafeTensors.Read(Path.Combine(directory, "model.safetensors"));
        config = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "config.json")))!.AsObject();
        heads = (int)config["num_attention_heads"]!;
        kvHeads = (int)config["num_key_value_heads"]!;
        headDim = (int?)config["head_dim"] ?? (int)config["hidden_size"]! / heads;
        layers = (int)config["num_hidden_layers"]!;
        eps = (double)config["rms_norm_eps"]!;
        invFreq = InverseFrequencies().DetachFromDisposeScope();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer.json")))!;
        var vocab = json["model"]!["vocab"]!.AsObject().ToDictionary(p => p.Key, p => (int)p.Value!);
        var special = json["added_tokens"]!.AsArray().ToDictionary(t => (string)t!["content"]!, t => (int)t!["id"]!);
        var merges = json["model"]!["merges"]!.AsArray().Select(m => $"{(string)m![0]!} {(string)m[1]!}").ToList();
        var regex = (string)json["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"]!;
        tokenizer = BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = special,
            PreTokenizer = new RegexPreTokenizer(new Regex(regex, RegexOptions.Compiled), special),
        });
        BeginOfTextId = json["post_processor"]?["type"]?.ToString() == "TemplateProcessing" ? special.Values.Min() : null;
    }

    public string Name => "reference";

    public int? BeginOfTextId { get; }

    public int[] Tokenize(string text) => [.. tokenizer.EncodeToIds(text)];

    public float[][] Logits(IReadOnlyList<int> ids)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var logits = Forward(ids);
        var width = (int)logits.shape[1];
        var flat = logits.contiguous().data<float>().ToArray();
        return Enumerable.Range(0, ids.Count).Select(t => flat.AsSpan(t * width, width).ToArray()).ToArray();
    }

    public int[] GreedyContinuation(IReadOnlyList<int> ids, int count)
    {
        var sequence = ids.ToList();
        for (var i = 0; i < count; i++)
        {
            sequence.Add(SamplingMath.ArgMax(Logits(sequence)[^1]));
        }
        return sequence.Skip(ids.Count).ToArray();
    }

    public void Dispose()
    {
        weights.Dispose();
        invFreq.Dispose();
    }

    private Tensor W(string name) => weights.Tensors[name];

    private Tensor? Maybe(string name) => weights.Tensors.TryGetValue(name, out var t) ? t : null;

    private Tensor RmsNorm(Tensor x, Tensor weight) => x * rsqrt(x.pow(2).mean([-1], keepdim: true) + eps) * weight;

    private static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) => bias is null ? x.matmul(weight.t()) : x.matmul(weight.t()) + bias;

    /// <summary>HF's rotary frequencies, with the llama3 rule applied band by band to the frequencies themselves.</summary>
    private Tensor InverseFrequencies()
    {
        var theta = (double)config["rope_theta"]!;
        var inv = Enumerable.Range(0, headDim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / headDim)).ToArray();
        if (config["rope_scaling"] is JsonObject s && (string?)s["rope_type"] == "llama3")
        {
            double factor = (double)s["factor"]!, low = (double)s["low_freq_factor"]!, high = (double)s["high_freq_factor"]!;
            double original = (int)s["original_max_position_embeddings"]!;
            inv = inv.Select(f =>
            {
                var wavelength = 2 * Math.PI / f;
                if (wavelength > original / low)
                {
                    return f / factor;
                }
                if (wavelength < original / high)
                {
                    return f;
                }
                var smooth = (original / wavelength - low) / (high - low);
                return (1 - smooth) * f / factor + smooth * f;
            }).ToArray();
        }
        return tensor(inv.Select(f => (float)f).ToArray());
    }

    private Tensor Rope(Tensor x)
    {
        // x [T, heads, d]: rotate (x[i], x[i + d/2]) by position · invFreq[i].
        var positions = arange(x.shape[0], dtype: ScalarType.Float32);
        var angles = outer(positions, invFreq);
        var cos = cat([angles.cos(), angles.cos()], -1).unsqueeze(1);
        var sin = cat([angles.sin(), angles.sin()], -1).unsqueeze(1);
        var half = headDim / 2;
        var rotated = cat([-x[.., .., half..], x[.., .., ..half]], -1);
        return x * cos + rotated * sin;
    }

    private Tensor Forward(IReadOnlyList<int> ids)
    {
        var t = ids.Count;
        var x = W("model.embed_tokens.weight").index_select(0, tensor(ids.Select(i => (long)i).ToArray()));
        var mask = ones(t, t).tril().logical_not();
        for (var l = 0; l < layers; l++)
        {
            var p = $"model.layers.{l}.";
            var h = RmsNorm(x, W(p + "input_layernorm.weight"));
            var q = Linear(h, W(p + "self_attn.q_proj.weight"), Maybe(p + "self_attn.q_proj.bias")).reshape(t, heads, headDim);
            var k = Linear(h, W(p + "self_attn.k_proj.weight"), Maybe(p + "self_attn.k_proj.bias")).reshape(t, kvHeads, headDim);
            var v = Linear(h, W(p + "self_attn.v_proj.weight"), Maybe(p + "self_attn.v_proj.bias")).reshape(t, kvHeads, headDim);
            if (Maybe(p + "self_attn.q_norm.weight") is { } qNorm)
            {
                q = RmsNorm(q, qNorm);
                k = RmsNorm(k, W(p + "self_attn.k_norm.weight"));
            }
            q = Rope(q);
            k = Rope(k);
            k = k.repeat_interleave(heads / kvHeads, 1);
            v = v.repeat_interleave(heads / kvHeads, 1);
            var scores = q.transpose(0, 1).matmul(k.transpose(0, 1).transpose(1, 2)) / Math.Sqrt(headDim);
            var attention = scores.masked_fill(mask, float.NegativeInfinity).softmax(-1).matmul(v.transpose(0, 1));
            x = x + Linear(attention.transpose(0, 1).reshape(t, heads * headDim), W(p + "self_attn.o_proj.weight"));
            var h2 = RmsNorm(x, W(p + "post_attention_layernorm.weight"));
            var gate = Linear(h2, W(p + "mlp.gate_proj.weight"));
            x = x + Linear(nn.functional.silu(gate) * Linear(h2, W(p + "mlp.up_proj.weight")), W(p + "mlp.down_proj.weight"));
        }
        x = RmsNorm(x, W("model.norm.weight"));
        return Linear(x, Maybe("lm_head.weight") ?? W("model.embed_tokens.weight"));
    }
}
