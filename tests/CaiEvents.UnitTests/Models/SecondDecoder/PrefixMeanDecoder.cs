using CaiEvents.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.SecondDecoder;

/// <summary>
/// A second, deliberately non-GPT-2 decoder for tests: the hidden state at t is tanh(W · mean of the embeddings of the real
/// tokens at positions ≤ t) + b, the output head is untied. It is causal, honours the attention mask (padding is left out of
/// the mean) and has its own cache (running sum and count per row), so generation, scoring and training code must work
/// through <see cref="ICausalLanguageModel"/> alone to run on it.
/// </summary>
internal sealed class PrefixMeanDecoder : nn.Module<Tensor, Tensor>, ICausalLanguageModel
{
    private readonly Embedding embed;
    private readonly Linear mix;
    private readonly Linear head;

    public PrefixMeanDecoder(int vocabSize, int hiddenSize, int contextLength, long seed) : base(nameof(PrefixMeanDecoder))
    {
        VocabSize = vocabSize;
        HiddenSize = hiddenSize;
        ContextLength = contextLength;
        embed = nn.Embedding(vocabSize, hiddenSize);
        mix = nn.Linear(hiddenSize, hiddenSize);
        head = nn.Linear(hiddenSize, vocabSize, hasBias: false);
        RegisterComponents();
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        foreach (var (_, parameter) in named_parameters())
        {
            parameter.normal_(0, 0.5, generator);
        }
    }

    public int VocabSize { get; }

    public int ContextLength { get; }

    public int HiddenSize { get; }

    public Device Device => embed.weight!.device;

    public ScalarType DType => embed.weight!.dtype;

    /// <summary>The mixing layer and output head, for tests that force a token to dominate.</summary>
    public Linear Mix => mix;

    public Linear Head => head;

    public override Tensor forward(Tensor inputIds) => Logits(HiddenStates(inputIds));

    public Tensor HiddenStates(Tensor inputIds, Tensor? attentionMask = null, IKeyValueCache? cache = null)
    {
        var running = cache as RunningMean;
        if (cache is not null && running is null) throw new ArgumentException("not this decoder's cache", nameof(cache));
        long batch = inputIds.shape[0], length = inputIds.shape[1], past = running?.Length ?? 0;
        if (past + length > ContextLength) throw new ArgumentException($"{past + length} tokens exceed the context length {ContextLength}");
        using var scope = NewDisposeScope();
        var real = attentionMask is null
            ? ones(batch, length, 1, dtype: DType, device: Device)
            : attentionMask.narrow(1, past, length).to(DType).unsqueeze(2);
        var sums = (embed.forward(inputIds) * real).cumsum(1);
        var counts = real.cumsum(1);
        if (running is not null)
        {
            sums = sums + running.Sum.unsqueeze(1);
            counts = counts + running.Count.unsqueeze(1);
            running.Sum.copy_(sums.select(1, length - 1));
            running.Count.copy_(counts.select(1, length - 1));
            running.Length += length;
        }
        var mean = sums / counts.clamp_min(1);
        return tanh(mix.forward(mean)).MoveToOuterDisposeScope();
    }

    public Tensor Logits(Tensor hidden) => head.forward(hidden);

    public IKeyValueCache CreateKvCache(long batch, long capacity) => new RunningMean(batch, capacity, HiddenSize, Device, DType);

    /// <summary>The cache: per row, the sum of the real embeddings so far and their count.</summary>
    private sealed class RunningMean(long batch, long capacity, int width, Device device, ScalarType dtype) : IKeyValueCache
    {
        public Tensor Sum { get; } = zeros(batch, width, dtype: dtype, device: device);

        public Tensor Count { get; } = zeros(batch, 1, dtype: dtype, device: device);

        public long Batch => batch;

        public long Capacity => capacity;

        public long Length { get; set; }

        public void Dispose()
        {
            Sum.Dispose();
            Count.Dispose();
        }
    }
}
