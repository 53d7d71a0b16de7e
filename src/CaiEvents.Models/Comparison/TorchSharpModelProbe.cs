using static TorchSharp.torch;

namespace CaiEvents.Models.Comparison;

/// <summary>
/// <see cref="IModelProbe"/> over any TorchSharp decoder and its tokenizer. The model must be float32 on the CPU, the
/// setting a parity check against llama.cpp's CPU backend is meaningful in; it is put in eval mode.
/// </summary>
public sealed class TorchSharpModelProbe : IModelProbe
{
    private readonly ICausalLanguageModel model;
    private readonly ITextTokenizer tokenizer;

    public TorchSharpModelProbe(string name, ICausalLanguageModel model, ITextTokenizer tokenizer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (model.DType != ScalarType.Float32 || model.Device.type != TorchSharp.DeviceType.CPU)
        {
            throw new ArgumentException($"A parity check runs the TorchSharp model in float32 on the CPU, not {model.DType} on {model.Device}.");
        }
        Name = name;
        this.model = model;
        this.tokenizer = tokenizer;
        model.eval();
    }

    public string Name { get; }

    public int? BeginOfTextId => tokenizer.BeginOfTextId;

    public int[] Tokenize(string text) => tokenizer.Encode(text);

    public float[][] Logits(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Count], device: model.Device);
        var logits = model.Logits(model.HiddenStates(input))[0].to(ScalarType.Float32).cpu();
        var flat = logits.data<float>().ToArray();
        var width = (int)logits.shape[1];
        return Enumerable.Range(0, ids.Count).Select(t => flat.AsSpan(t * width, width).ToArray()).ToArray();
    }

    public int[] GreedyContinuation(IReadOnlyList<int> ids, int count)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (ids.Count + count > model.ContextLength)
        {
            throw new ArgumentException($"{ids.Count} + {count} tokens do not fit the context of {model.ContextLength}.");
        }
        using var noGrad = no_grad();
        using var cache = model.CreateKvCache(1, ids.Count + count);
        var result = new int[count];
        var next = ids.Select(i => (long)i).ToArray();
        for (var i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var input = tensor(next, [1, next.Length], device: model.Device);
            var last = model.Logits(model.HiddenStates(input, null, cache)[0, -1]).to(ScalarType.Float32).cpu();
            result[i] = SamplingMath.ArgMax(last.data<float>().ToArray());
            next = [result[i]];
        }
        return result;
    }
}
