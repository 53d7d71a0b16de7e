using CaiEvents.Models.Llama;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Llama;

/// <summary>
/// A second, deliberately plain implementation of the Llama-family forward pass: scalar loops in double precision over
/// HF-named weight arrays, written from the published formulas (RMSNorm, rotate-half RoPE with theta^(-2i/d) and the llama3
/// bands, grouped-query softmax attention, SwiGLU). It shares no code with <see cref="LlamaModel"/>, so agreement checks both.
/// </summary>
internal sealed class NaiveLlamaReference
{
    private readonly LlamaConfig config;
    private readonly Dictionary<string, (double[] Values, long[] Shape)> weights = new(StringComparer.Ordinal);

    public NaiveLlamaReference(LlamaModel model)
    {
        config = model.Config;
        foreach (var (name, tensor) in model.state_dict())
        {
            using var scope = NewDisposeScope();
            weights[name] = (tensor.to(ScalarType.Float64).data<double>().ToArray(), tensor.shape);
        }
    }

    /// <summary>Logits [T][V] of one unpadded sequence starting at position 0.</summary>
    public double[][] Logits(long[] ids)
    {
        int c = config.HiddenSize, d = config.HeadDim, heads = config.NumAttentionHeads, kvHeads = config.NumKeyValueHeads;
        var frequencies = Frequencies();
        var x = ids.Select(id => W("model.embed_tokens.weight").Skip((int)id * c).Take(c).ToArray()).ToArray();
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var p = $"model.layers.{layer}.";
            var normed = x.Select(v => Norm(v, W(p + "input_layernorm.weight"))).ToArray();
            var q = normed.Select(h => Project(p + "self_attn.q_proj", h)).ToArray();
            var k = normed.Select(h => Project(p + "self_attn.k_proj", h)).ToArray();
            var v = normed.Select(h => Project(p + "self_attn.v_proj", h)).ToArray();
            for (var t = 0; t < x.Length; t++)
            {
                q[t] = PerHead(q[t], heads, head => Rotate(config.QkNorm ? Norm(head, W(p + "self_attn.q_norm.weight")) : head, t, frequencies));
                k[t] = PerHead(k[t], kvHeads, head => Rotate(config.QkNorm ? Norm(head, W(p + "self_attn.k_norm.weight")) : head, t, frequencies));
            }
            for (var t = 0; t < x.Length; t++)
            {
                var attended = new double[heads * d];
                for (var h = 0; h < heads; h++)
                {
                    var kv = h / (heads / kvHeads);
                    var scores = Enumerable.Range(0, t + 1)
                        .Select(s => Enumerable.Range(0, d).Sum(i => q[t][h * d + i] * k[s][kv * d + i]) / Math.Sqrt(d)).ToArray();
                    var max = scores.Max();
                    var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
                    var total = exp.Sum();
                    for (var s = 0; s <= t; s++)
                    {
                        for (var i = 0; i < d; i++)
                        {
                            attended[h * d + i] += exp[s] / total * v[s][kv * d + i];
                        }
                    }
                }
                x[t] = Add(x[t], Project(p + "self_attn.o_proj", attended));
            }
            for (var t = 0; t < x.Length; t++)
            {
                var h = Norm(x[t], W(p + "post_attention_layernorm.weight"));
                var gate = Project(p + "mlp.gate_proj", h);
                var up = Project(p + "mlp.up_proj", h);
                var hidden = gate.Select((g, i) => g / (1 + Math.Exp(-g)) * up[i]).ToArray();
                x[t] = Add(x[t], Project(p + "mlp.down_proj", hidden));
            }
        }
        var head = weights.ContainsKey("lm_head.weight") ? "lm_head.weight" : "model.embed_tokens.weight";
        return x.Select(v => MatVec(head, Norm(v, W("model.norm.weight")))).ToArray();
    }

    private double[] Frequencies()
    {
        var d = config.HeadDim;
        var result = new double[d / 2];
        for (var i = 0; i < result.Length; i++)
        {
            var f = Math.Pow(config.RopeTheta, -2.0 * i / d);
            if (config.RopeScaling is { Type: "llama3" } s)
            {
                double wavelength = 2 * Math.PI / f, original = s.OriginalMaxPositionEmbeddings!.Value;
                double low = s.LowFreqFactor!.Value, high = s.HighFreqFactor!.Value;
                f = wavelength < original / high ? f
                    : wavelength > original / low ? f / s.Factor
                    : f / s.Factor + (original / wavelength - low) / (high - low) * (f - f / s.Factor);
            }
            else if (config.RopeScaling is { Type: "linear" } linear)
            {
                f /= linear.Factor;
            }
            result[i] = f;
        }
        return result;
    }

    private double[] W(string name) => weights[name].Values;

    private double Eps => config.RmsNormEps;

    private double[] Norm(double[] v, double[] weight)
    {
        var scale = 1 / Math.Sqrt(v.Sum(a => a * a) / v.Length + Eps);
        return v.Select((a, i) => a * scale * weight[i]).ToArray();
    }

    private double[] Project(string prefix, double[] input)
    {
        var y = MatVec(prefix + ".weight", input);
        return weights.TryGetValue(prefix + ".bias", out var bias) ? Add(y, bias.Values) : y;
    }

    private double[] MatVec(string name, double[] input)
    {
        var (values, shape) = weights[name];
        var result = new double[shape[0]];
        for (var r = 0; r < shape[0]; r++)
        {
            double sum = 0;
            for (var i = 0; i < shape[1]; i++)
            {
                sum += values[r * shape[1] + i] * input[i];
            }
            result[r] = sum;
        }
        return result;
    }

    private double[] PerHead(double[] all, int count, Func<double[], double[]> change)
    {
        var d = config.HeadDim;
        return Enumerable.Range(0, count).SelectMany(h => change(all.Skip(h * d).Take(d).ToArray())).ToArray();
    }

    /// <summary>Pairs (i, i + d/2) turned by angle position · f_i.</summary>
    private static double[] Rotate(double[] head, int position, double[] frequencies)
    {
        var half = head.Length / 2;
        var result = new double[head.Length];
        for (var i = 0; i < half; i++)
        {
            double angle = position * frequencies[i], a = head[i], b = head[i + half];
            result[i] = a * Math.Cos(angle) - b * Math.Sin(angle);
            result[i + half] = b * Math.Cos(angle) + a * Math.Sin(angle);
        }
        return result;
    }

    private static double[] Add(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();
}
