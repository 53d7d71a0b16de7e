using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// <see cref="ITextModel"/> over a <see cref="Gpt2Model"/> and its <see cref="Gpt2Tokenizer"/>.
/// Calls run one at a time on the <see cref="TorchThread"/>, so one instance can be shared by several
/// consumers. Requests in one call run as one left-padded batch; each row samples in managed code with its own
/// <see cref="Random"/> seeded from the request, so (prompt, sampling parameters, seed) gives the same
/// text alone or in a batch on CPU.
/// </summary>
public sealed class Gpt2TextModel : ITextModel
{
    private readonly TorchThreadGate gate;
    private readonly CausalLmGenerator generator;
    private readonly ContinuationScorer scorer;
    private readonly BatchedContinuationScorer batchedScorer;

    private Gpt2TextModel(string modelId, Gpt2Model module, Gpt2Tokenizer tokenizer, string checkpointHash, ModelOptions options)
    {
        (Device, var dtype) = options.Resolve();
        Identity = new ModelIdentity(modelId, checkpointHash);
        Tokenizer = tokenizer;
        Module = module.to(Device, dtype);
        Module.eval();
        gate = new TorchThreadGate(this, Module);
        generator = new CausalLmGenerator(Module, tokenizer);
        scorer = new ContinuationScorer(Module, tokenizer);
        batchedScorer = new BatchedContinuationScorer(Module, tokenizer);
    }

    /// <summary>
    /// Fixed when the model is created or loaded. Code that changes the weights saves them
    /// (<see cref="Save"/>) and loads the directory again to get the new weights' identity.
    /// </summary>
    public ModelIdentity Identity { get; }

    /// <summary>
    /// The network, for fine-tuning code (hidden states, extra heads). Use it on the
    /// <see cref="TorchThread"/> so that it never runs at the same time as this model's own calls.
    /// </summary>
    public Gpt2Model Module { get; }

    public Gpt2Tokenizer Tokenizer { get; }

    public Gpt2Config Config => Module.Config;

    public Device Device { get; }

    /// <summary>
    /// A model whose weights come from <see cref="ModelOptions.Seed"/> alone. Its checkpoint hash is the
    /// sha256 of the <c>model.safetensors</c> that <see cref="Save"/> writes for these weights.
    /// </summary>
    public static Gpt2TextModel CreateRandom(string modelId, Gpt2Config config, Gpt2Tokenizer tokenizer, ModelOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        if (tokenizer.VocabCount > config.VocabSize)
        {
            throw new ArgumentException($"Tokenizer ids reach {tokenizer.VocabCount - 1} but the config has vocab_size {config.VocabSize}.", nameof(config));
        }
        options.Resolve(); // fail on bad options before allocating anything
        var module = new Gpt2Model(config);
        try
        {
            module.InitializeWeights(options.Seed);
            return new Gpt2TextModel(modelId, module, tokenizer, Gpt2Checkpoint.ComputeWeightsSha256(module), options);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>Loads a Hugging Face GPT-2 directory; the checkpoint hash is the sha256 of its <c>model.safetensors</c>.</summary>
    public static Gpt2TextModel Load(string modelId, string directory, ModelOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(options);
        options.Resolve();
        var (module, tokenizer, sha) = Gpt2Checkpoint.Load(directory);
        try
        {
            return new Gpt2TextModel(modelId, module, tokenizer, sha, options);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>Writes the current weights and tokenizer as a Hugging Face GPT-2 directory.</summary>
    public Task SaveAsync(string directory, CancellationToken cancellationToken = default) =>
        RunExclusiveAsync(() =>
        {
            Gpt2Checkpoint.Save(Module, Tokenizer, directory);
            return true;
        }, cancellationToken);

    /// <inheritdoc cref="SaveAsync"/>
    public void Save(string directory) => SaveAsync(directory).GetAwaiter().GetResult();

    public async Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default)
    {
        var sequences = await GenerateTokensAsync(requests, useKvCache: true, cancellationToken).ConfigureAwait(false);
        return sequences.Select(s => new GenerationResult(s.Text, s.PromptIds.Count, s.TokenIds.Count)).ToList();
    }

    /// <summary>
    /// Generates token-level results for <paramref name="requests"/> in one batch.
    /// <paramref name="useKvCache"/> false recomputes the whole sequence every step (for benchmarks and tests).
    /// </summary>
    public Task<IReadOnlyList<GeneratedSequence>> GenerateTokensAsync(
        IReadOnlyList<GenerationRequest> requests, bool useKvCache = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var r in requests)
        {
            ArgumentNullException.ThrowIfNull(r, nameof(requests));
            ArgumentNullException.ThrowIfNull(r.Prompt, nameof(requests));
            ArgumentNullException.ThrowIfNull(r.Sampling, nameof(requests));
        }
        return RunExclusiveAsync<IReadOnlyList<GeneratedSequence>>(() =>
        {
            var prompts = requests.Select(r => (Tokenizer.Encode(r.Prompt), r)).ToList();
            return generator.Generate(prompts, useKvCache, stopAtEndOfText: true, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Generates from already-tokenized prompts (no text encoding), e.g. for benchmarks.</summary>
    internal Task<IReadOnlyList<GeneratedSequence>> GenerateFromIdsAsync(
        IReadOnlyList<(int[] PromptIds, GenerationRequest Request)> requests, bool useKvCache, bool stopAtEndOfText, CancellationToken cancellationToken)
        => RunExclusiveAsync<IReadOnlyList<GeneratedSequence>>(
            () => generator.Generate(requests, useKvCache, stopAtEndOfText, cancellationToken),
            cancellationToken);

    public async Task<IReadOnlyList<ContinuationScore>> ScoreAsync(
        string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(continuations);
        var encoded = continuations.Select(c => (IReadOnlyList<int>)Tokenizer.Encode(c ?? throw new ArgumentNullException(nameof(continuations)))).ToList();
        var scores = await ScoreTokensAsync(Tokenizer.Encode(prompt), encoded, cancellationToken).ConfigureAwait(false);
        return continuations.Select((c, i) => new ContinuationScore(c, scores[i].Sum(), scores[i])).ToList();
    }

    /// <summary>
    /// Exact log-probabilities (log_softmax) of each continuation's tokens after <paramref name="promptIds"/>,
    /// all continuations in one forward pass. The prompt is left-truncated to fit the longest
    /// continuation into the context; an empty prompt stands for <c>&lt;|endoftext|&gt;</c>.
    /// </summary>
    public Task<IReadOnlyList<double[]>> ScoreTokensAsync(
        IReadOnlyList<int> promptIds, IReadOnlyList<IReadOnlyList<int>> continuations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(continuations);
        scorer.CheckIds(promptIds, continuations);
        return RunExclusiveAsync(() => scorer.Score(promptIds, continuations, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Scores every (prompt, continuation) row of every item in one forward pass: prompts are left-padded (with an
    /// attention mask, so positions count real tokens only) to end at the same column, continuations right-padded.
    /// Each item is truncated exactly as <see cref="ScoreAsync"/> would, so the scores match it.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<ContinuationScore>>> ScoreManyAsync(
        IReadOnlyList<(string Prompt, IReadOnlyList<string> Continuations)> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var encoded = items.Select(item =>
        {
            ArgumentNullException.ThrowIfNull(item.Prompt, nameof(items));
            ArgumentNullException.ThrowIfNull(item.Continuations, nameof(items));
            var continuations = item.Continuations
                .Select(c => (IReadOnlyList<int>)Tokenizer.Encode(c ?? throw new ArgumentNullException(nameof(items)))).ToList();
            return ((IReadOnlyList<int>)Tokenizer.Encode(item.Prompt), (IReadOnlyList<IReadOnlyList<int>>)continuations);
        }).ToList();
        var scores = await ScoreManyTokensAsync(encoded, cancellationToken).ConfigureAwait(false);
        return items.Select((item, i) => (IReadOnlyList<ContinuationScore>)item.Continuations
            .Select((c, j) => new ContinuationScore(c, scores[i][j].Sum(), scores[i][j])).ToList()).ToList();
    }

    /// <summary>
    /// <see cref="ScoreTokensAsync"/> for several prompts at once, in one forward pass; result [i][j] is the
    /// per-token log-probabilities of continuation j of item i.
    /// </summary>
    public Task<IReadOnlyList<IReadOnlyList<double[]>>> ScoreManyTokensAsync(
        IReadOnlyList<(IReadOnlyList<int> PromptIds, IReadOnlyList<IReadOnlyList<int>> Continuations)> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        batchedScorer.CheckIds(items);
        return RunExclusiveAsync(() => batchedScorer.ScoreMany(items, cancellationToken), cancellationToken);
    }

    /// <summary>Runs <paramref name="work"/> on the torch thread, refusing once the model is disposed.</summary>
    private Task<T> RunExclusiveAsync<T>(Func<T> work, CancellationToken cancellationToken) => gate.RunAsync(work, cancellationToken);

    /// <summary>Lets calls queued before it finish, then frees the weights (on the torch thread).</summary>
    public void Dispose() => gate.Dispose();
}
