using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// <see cref="ITextModel"/> over any local decoder: an <see cref="ICausalLanguageModel"/> network (always an
/// <see cref="nn.Module"/>), its <see cref="ITextTokenizer"/>, and the <see cref="ILocalArchitecture"/> that saves and hashes them.
/// Calls run one at a time on the <see cref="TorchThread"/>, so one instance can be shared by several
/// consumers. Requests in one call run as one left-padded batch; each row samples in managed code with its own
/// <see cref="Random"/> seeded from the request, so (prompt, sampling parameters, seed) gives the same
/// text alone or in a batch on CPU. Text prompts start with the tokenizer's <see cref="ITextTokenizer.BeginOfTextId"/>
/// when it has one; generation stops on any of its <see cref="ITextTokenizer.StopIds"/>.
/// </summary>
public sealed class LocalTextModel : ITextModel
{
    private readonly TorchThreadGate gate;
    private readonly CausalLmGenerator generator;
    private readonly ContinuationScorer scorer;
    private readonly BatchedContinuationScorer batchedScorer;

    /// <summary>Takes over <paramref name="network"/> (moved to <paramref name="options"/>' device and dtype, put in eval mode).</summary>
    /// <param name="adapters">LoRA adapters attached to <paramref name="network"/>, if any.</param>
    /// <param name="adapterProvenance">
    /// With <paramref name="adapters"/> loaded from files: the base and adapter hashes behind <paramref name="checkpointHash"/>.
    /// </param>
    public LocalTextModel(
        string modelId, ILocalArchitecture architecture, ICausalLanguageModel network, ITextTokenizer tokenizer, string checkpointHash, ModelOptions options,
        Lora.LoraAdapters? adapters = null, Lora.AdapterProvenance? adapterProvenance = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointHash);
        ArgumentNullException.ThrowIfNull(options);
        var module = network as nn.Module
            ?? throw new ArgumentException($"The network must be an nn.Module, not a {network?.GetType().Name ?? "null"}.", nameof(network));
        (Device, var dtype) = options.Resolve();
        ChatTemplate = ChatTemplateOf(tokenizer, options.ChatTemplate);
        Identity = new ModelIdentity(modelId, checkpointHash, Adapter: adapterProvenance);
        Adapters = adapters;
        Architecture = architecture;
        Tokenizer = tokenizer;
        module.to(Device, dtype); // in place: parameters and buffers move, the object stays
        Network = network;
        Network.eval();
        gate = new TorchThreadGate(this, module);
        generator = new CausalLmGenerator(Network, tokenizer);
        scorer = new ContinuationScorer(Network, tokenizer);
        batchedScorer = new BatchedContinuationScorer(Network, tokenizer);
    }

    /// <summary>
    /// Fixed when the model is created or loaded. Code that changes the weights saves them
    /// (<see cref="Save"/>) and loads the directory again to get the new weights' identity.
    /// </summary>
    public ModelIdentity Identity { get; }

    /// <summary>
    /// The checkpoint's chat template (<c>tokenizer_config.json</c>), or the family named by <see cref="ModelOptions.ChatTemplate"/>;
    /// null for a base model, whose roles keep the paper's <c>Human:/Assistant:</c> text.
    /// </summary>
    public Chat.ChatTemplate? ChatTemplate { get; }

    /// <summary>Saves and hashes <see cref="Network"/> in its family's Hugging Face layout.</summary>
    public ILocalArchitecture Architecture { get; }

    /// <summary>
    /// The network, for fine-tuning code (hidden states, extra heads). Use it on the
    /// <see cref="TorchThread"/> so that it never runs at the same time as this model's own calls.
    /// </summary>
    public ICausalLanguageModel Network { get; }

    public ITextTokenizer Tokenizer { get; }

    /// <summary>The LoRA adapters on <see cref="Network"/> (base weights frozen), or null for a plain model.</summary>
    public Lora.LoraAdapters? Adapters { get; private set; }

    /// <summary>
    /// Attaches fresh adapters of <paramref name="config"/> (A from <paramref name="seed"/>, B zero: outputs unchanged) and freezes the base
    /// weights. Call it on the <see cref="TorchThread"/> before training.
    /// </summary>
    public Lora.LoraAdapters AttachAdapters(Lora.LoraConfig config, long seed)
    {
        if (Adapters is not null) throw new InvalidOperationException("This model already carries LoRA adapters.");
        Adapters = Lora.LoraAdapters.Attach(Network, config, seed);
        return Adapters;
    }

    public Device Device { get; }

    /// <summary>
    /// Loads a Hugging Face directory through the architecture its <c>config.json</c> names (<see cref="ModelArchitectures"/>);
    /// the checkpoint hash is the architecture's (for GPT-2, the sha256 of its <c>model.safetensors</c>). A PEFT adapter directory
    /// (<c>adapter_config.json</c>, no weights of its own) loads its base model with the adapter attached
    /// (<see cref="Lora.PeftAdapter.Load"/>); its hash combines the base's and the adapter's (<see cref="Lora.PeftAdapter.CombinedSha256"/>).
    /// </summary>
    /// <exception cref="CheckpointFormatException">Missing or malformed directory, or an unsupported <c>model_type</c>.</exception>
    public static LocalTextModel Load(string modelId, string directory, ModelOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(options);
        options.Resolve();
        if (Lora.PeftAdapter.IsAdapterDirectory(directory) && !LocalCheckpoint.Exists(directory))
        {
            var adapted = Lora.PeftAdapter.Load(directory, options);
            try
            {
                return new LocalTextModel(modelId, adapted.Architecture, adapted.Base.Network, adapted.Base.Tokenizer,
                    adapted.Provenance.CheckpointHash, options, adapted.Adapters, adapted.Provenance);
            }
            catch
            {
                (adapted.Base.Network as IDisposable)?.Dispose();
                throw;
            }
        }
        var (architecture, checkpoint) = ModelArchitectures.Load(directory, options);
        try
        {
            return new LocalTextModel(modelId, architecture, checkpoint.Network, checkpoint.Tokenizer, checkpoint.WeightsSha256, options);
        }
        catch
        {
            (checkpoint.Network as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>Writes the current weights and tokenizer as a Hugging Face directory of <see cref="Architecture"/>'s layout.</summary>
    public Task SaveAsync(string directory, CancellationToken cancellationToken = default) =>
        RunExclusiveAsync(() =>
        {
            Architecture.Save(Network, Tokenizer, directory);
            return true;
        }, cancellationToken);

    /// <summary>The checkpoint hash that <see cref="Save"/> would write for the current weights (call it on the <see cref="TorchThread"/>).</summary>
    public string CurrentWeightsSha256() => Architecture.WeightsSha256(Network);

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
            var prompts = requests.Select(r => (Tokenizer.EncodePrompt(r.Prompt), r)).ToList();
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
        var scores = await ScoreTokensAsync(Tokenizer.EncodePrompt(prompt), encoded, cancellationToken).ConfigureAwait(false);
        return continuations.Select((c, i) => new ContinuationScore(c, scores[i].Sum(), scores[i])).ToList();
    }

    /// <summary>
    /// Exact log-probabilities (log_softmax) of each continuation's tokens after <paramref name="promptIds"/>,
    /// all continuations in one forward pass. The prompt is left-truncated to fit the longest
    /// continuation into the context; an empty prompt stands for end-of-text. The ids are used as given (no begin-of-text is added).
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
            return ((IReadOnlyList<int>)Tokenizer.EncodePrompt(item.Prompt), (IReadOnlyList<IReadOnlyList<int>>)continuations);
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

    /// <exception cref="Chat.ChatTemplateException">A template of no known family and no override, or an unknown override.</exception>
    /// <summary>A tokenizer's chat template: its Hugging Face configuration's (or the family <paramref name="overrideName"/> names).</summary>
    internal static Chat.ChatTemplate? ChatTemplateOf(ITextTokenizer tokenizer, string? overrideName) => tokenizer switch
    {
        Tokenization.HfTokenizer hf => Chat.TokenizerConfigChatTemplate.From(hf.Config, overrideName),
        _ when overrideName is not null => Chat.ChatTemplates.ByName(overrideName),
        _ => null,
    };

    /// <summary>Lets calls queued before it finish, then frees the weights (on the torch thread).</summary>
    public void Dispose()
    {
        gate.Dispose();
        (Tokenizer as IDisposable)?.Dispose(); // a Hugging Face tokenizer holds a native handle
    }
}
