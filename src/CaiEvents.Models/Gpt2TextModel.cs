using CaiEvents.Contracts;
using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>Why a generated row ended.</summary>
public enum GenerationStop
{
    MaxNewTokens,
    EndOfText,
    StopSequence,
}

/// <summary>
/// One generated row at token level. <see cref="TokenLogProbs"/>[i] is log_softmax of the model's
/// (untempered) logits at the step that produced <see cref="TokenIds"/>[i] — what a policy-gradient
/// trainer needs as "old log-probs". An end-of-text token, if produced, is the last id.
/// </summary>
public sealed record GeneratedSequence(
    IReadOnlyList<int> PromptIds,
    IReadOnlyList<int> TokenIds,
    IReadOnlyList<double> TokenLogProbs,
    string Text,
    GenerationStop Stop);

/// <summary>
/// <see cref="ITextModel"/> over a <see cref="Gpt2Model"/> and its <see cref="Gpt2Tokenizer"/>.
/// Calls run one at a time on the <see cref="TorchThread"/>, so one instance can be shared by several
/// consumers. Requests in one call run as one left-padded batch; each row samples in managed code with its own
/// <see cref="Random"/> seeded from the request, so (prompt, sampling parameters, seed) gives the same
/// text alone or in a batch on CPU.
/// </summary>
public sealed class Gpt2TextModel : ITextModel
{
    private volatile bool disposed;
    private bool moduleDisposed; // touched only on the torch thread

    private Gpt2TextModel(string modelId, Gpt2Model module, Gpt2Tokenizer tokenizer, string checkpointHash, ModelOptions options)
    {
        (Device, var dtype) = options.Resolve();
        Identity = new ModelIdentity(modelId, checkpointHash);
        Tokenizer = tokenizer;
        Module = module.to(Device, dtype);
        Module.eval();
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
            var rows = requests.Select(r => PrepareRow(Tokenizer.Encode(r.Prompt), r)).ToList();
            return Generate(rows, useKvCache, stopAtEndOfText: true, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Generates from already-tokenized prompts (no text encoding), e.g. for benchmarks.</summary>
    internal Task<IReadOnlyList<GeneratedSequence>> GenerateFromIdsAsync(
        IReadOnlyList<(int[] PromptIds, GenerationRequest Request)> requests, bool useKvCache, bool stopAtEndOfText, CancellationToken cancellationToken)
        => RunExclusiveAsync<IReadOnlyList<GeneratedSequence>>(
            () => Generate(requests.Select(r => PrepareRow(r.PromptIds, r.Request)).ToList(), useKvCache, stopAtEndOfText, cancellationToken),
            cancellationToken);

    public async Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default)
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
    public Task<IReadOnlyList<double[]>> ScoreTokensAsync(IReadOnlyList<int> promptIds, IReadOnlyList<IReadOnlyList<int>> continuations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(continuations);
        foreach (var id in promptIds.Concat(continuations.SelectMany(c => c ?? throw new ArgumentNullException(nameof(continuations)))))
        {
            if (id < 0 || id >= Config.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(continuations), id, $"Token id must be in [0, {Config.VocabSize}).");
            }
        }
        return RunExclusiveAsync(() => Score(promptIds, continuations, cancellationToken), cancellationToken);
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
        foreach (var (promptIds, continuations) in items)
        {
            ArgumentNullException.ThrowIfNull(promptIds, nameof(items));
            ArgumentNullException.ThrowIfNull(continuations, nameof(items));
            foreach (var id in promptIds.Concat(continuations.SelectMany(c => c ?? throw new ArgumentNullException(nameof(items)))))
            {
                if (id < 0 || id >= Config.VocabSize)
                {
                    throw new ArgumentOutOfRangeException(nameof(items), id, $"Token id must be in [0, {Config.VocabSize}).");
                }
            }
        }
        return RunExclusiveAsync(() => ScoreMany(items, cancellationToken), cancellationToken);
    }

    private sealed record Row(int[] Prompt, int MaxNew, SamplingParameters Sampling, Random Rng, string[] Stops);

    /// <summary>Caps MaxNewTokens to the context and left-truncates the prompt to make room for them.</summary>
    private Row PrepareRow(int[] promptIds, GenerationRequest request)
    {
        var maxNew = Math.Clamp(request.Sampling.MaxNewTokens, 0, Config.NPositions - 1);
        var prompt = promptIds.Length == 0 ? [Tokenizer.EndOfTextId] : promptIds;
        var budget = Config.NPositions - maxNew;
        if (prompt.Length > budget)
        {
            prompt = prompt[^budget..];
        }
        var stops = (request.Sampling.StopSequences ?? []).Where(s => !string.IsNullOrEmpty(s)).ToArray();
        return new Row(prompt, maxNew, request.Sampling, SamplingMath.RowRandom(request.Seed), stops);
    }

    private List<GeneratedSequence> Generate(List<Row> rows, bool useKvCache, bool stopAtEndOfText, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        int batch = rows.Count, promptWidth = rows.Max(r => r.Prompt.Length), steps = rows.Max(r => r.MaxNew);
        var width = promptWidth + steps;
        var eos = Tokenizer.EndOfTextId;
        var vocabLimit = Tokenizer.VocabCount; // never sample ids the tokenizer cannot decode (padded vocabularies)
        var tokens = rows.Select(_ => new List<int>()).ToArray();
        var logProbs = rows.Select(_ => new List<double>()).ToArray();
        var stops = rows.Select(r => r.MaxNew == 0 ? GenerationStop.MaxNewTokens : (GenerationStop?)null).ToArray();
        var texts = new string?[batch];

        // Left padding: row b's prompt ends at column promptWidth - 1; columns after it are generated.
        var idsHost = new long[batch * width];
        var maskHost = new long[batch * width];
        for (var b = 0; b < batch; b++)
        {
            var pad = promptWidth - rows[b].Prompt.Length;
            for (var c = 0; c < width; c++)
            {
                idsHost[b * width + c] = c < pad ? eos : c < promptWidth ? rows[b].Prompt[c - pad] : eos;
                maskHost[b * width + c] = c < pad ? 0 : 1;
            }
        }
        var padded = rows.Any(r => r.Prompt.Length != promptWidth);

        var wasTraining = Module.training;
        Module.eval();
        try
        {
            using var outer = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = tensor(idsHost, [batch, width], device: Device);
            var mask = padded ? tensor(maskHost, [batch, width], device: Device) : null;
            using var cache = useKvCache && steps > 0 ? Module.CreateKvCache(batch, width) : null;
            var vocab = Config.VocabSize;
            for (var length = promptWidth; stops.Any(s => s is null); length++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                float[] logits;
                using (var step = NewDisposeScope())
                {
                    // With a cache only the tokens it has not seen go in: the whole prompt first, then one.
                    var start = cache?.Length ?? 0;
                    var hidden = Module.HiddenStates(ids.narrow(1, start, length - start), mask?.narrow(1, 0, length), cache);
                    var last = Module.Logits(hidden.narrow(1, hidden.shape[1] - 1, 1)).reshape(batch, vocab);
                    logits = last.to(ScalarType.Float32).cpu().data<float>().ToArray();
                }
                var next = new long[batch];
                for (var b = 0; b < batch; b++)
                {
                    next[b] = eos;
                    if (stops[b] is not null)
                    {
                        continue; // finished rows ride along; their outputs are ignored
                    }
                    var row = logits.AsSpan(b * vocab, vocab);
                    var token = SamplingMath.Sample(row[..vocabLimit], rows[b].Sampling, rows[b].Rng);
                    next[b] = token;
                    tokens[b].Add(token);
                    logProbs[b].Add(SamplingMath.LogSoftmaxAt(row, token));
                    if (stopAtEndOfText && token == eos)
                    {
                        stops[b] = GenerationStop.EndOfText;
                    }
                    else if (rows[b].Stops.Length > 0 && TextBeforeStop(DecodeText(tokens[b]), rows[b].Stops) is { } text)
                    {
                        texts[b] = text;
                        stops[b] = GenerationStop.StopSequence;
                    }
                    else if (tokens[b].Count >= rows[b].MaxNew)
                    {
                        stops[b] = GenerationStop.MaxNewTokens;
                    }
                }
                if (length < width && stops.Any(s => s is null))
                {
                    using var step = NewDisposeScope();
                    ids.narrow(1, length, 1).copy_(tensor(next, [batch, 1], device: Device));
                }
            }
        }
        finally
        {
            if (wasTraining)
            {
                Module.train();
            }
        }

        return rows.Select((r, b) =>
        {
            var text = texts[b] ?? DecodeText(stops[b] == GenerationStop.EndOfText ? tokens[b].SkipLast(1) : tokens[b]);
            return new GeneratedSequence(r.Prompt, tokens[b], logProbs[b], text, stops[b]!.Value);
        }).ToList();
    }

    /// <summary>
    /// Generated text: a NUL byte token becomes U+FFFD, because PostgreSQL text and jsonb (the event
    /// store) reject U+0000, and an untrained byte-level model emits it now and then.
    /// </summary>
    private string DecodeText(IEnumerable<int> ids) => Tokenizer.Decode(ids).Replace('\0', '\uFFFD');

    /// <summary>The text before the earliest stop sequence, if any occurs.</summary>
    private static string? TextBeforeStop(string text, string[] stops)
    {
        var cut = -1;
        foreach (var stop in stops)
        {
            var i = text.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (cut < 0 || i < cut))
            {
                cut = i;
            }
        }
        return cut < 0 ? null : text[..cut];
    }

    private IReadOnlyList<double[]> Score(IReadOnlyList<int> promptIds, IReadOnlyList<IReadOnlyList<int>> continuations, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var results = continuations.Select(c => new double[c.Count]).ToArray();
        var scored = Enumerable.Range(0, continuations.Count).Where(i => continuations[i].Count > 0).ToList();
        if (scored.Count == 0)
        {
            return results;
        }
        var longest = scored.Max(i => continuations[i].Count);
        if (longest >= Config.NPositions)
        {
            throw new ArgumentException($"A continuation of {longest} tokens does not fit the context length {Config.NPositions} after a prompt.", nameof(continuations));
        }
        var prompt = promptIds.Count == 0 ? [Tokenizer.EndOfTextId] : promptIds.ToArray();
        if (prompt.Length > Config.NPositions - longest)
        {
            prompt = prompt[^(Config.NPositions - longest)..];
        }

        // Right padding needs no mask: causal attention keeps padding after a token from affecting it.
        int batch = scored.Count, width = prompt.Length + longest;
        var ids = new long[batch * width];
        var targets = new long[batch * longest];
        for (var r = 0; r < batch; r++)
        {
            var continuation = continuations[scored[r]];
            for (var c = 0; c < width; c++)
            {
                ids[r * width + c] = c < prompt.Length ? prompt[c]
                    : c - prompt.Length < continuation.Count ? continuation[c - prompt.Length] : Tokenizer.EndOfTextId;
            }
            for (var j = 0; j < continuation.Count; j++)
            {
                targets[r * longest + j] = continuation[j];
            }
        }

        var wasTraining = Module.training;
        Module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var hidden = Module.HiddenStates(tensor(ids, [batch, width], device: Device));
            // Token j of a continuation is predicted at the position just before it.
            var logits = Module.Logits(hidden.narrow(1, prompt.Length - 1, longest)).to(ScalarType.Float32);
            var picked = nn.functional.log_softmax(logits, 2)
                .gather(2, tensor(targets, [batch, longest, 1], device: Device))
                .cpu().data<float>().ToArray();
            for (var r = 0; r < batch; r++)
            {
                var result = results[scored[r]];
                for (var j = 0; j < result.Length; j++)
                {
                    result[j] = picked[r * longest + j];
                }
            }
        }
        finally
        {
            if (wasTraining)
            {
                Module.train();
            }
        }
        return results;
    }

    /// <summary>The prompt <see cref="Score"/> conditions on: never empty, left-truncated to leave room for the longest continuation.</summary>
    private int[] FitPrompt(IReadOnlyList<int> promptIds, int longest)
    {
        if (longest >= Config.NPositions)
        {
            throw new ArgumentException($"A continuation of {longest} tokens does not fit the context length {Config.NPositions} after a prompt.", "continuations");
        }
        var prompt = promptIds.Count == 0 ? [Tokenizer.EndOfTextId] : promptIds.ToArray();
        return prompt.Length > Config.NPositions - longest ? prompt[^(Config.NPositions - longest)..] : prompt;
    }

    private IReadOnlyList<IReadOnlyList<double[]>> ScoreMany(
        IReadOnlyList<(IReadOnlyList<int> PromptIds, IReadOnlyList<IReadOnlyList<int>> Continuations)> items, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var results = items.Select(item => item.Continuations.Select(c => new double[c.Count]).ToArray()).ToArray();
        // One row per non-empty continuation; each item's prompt is fitted as if it were scored alone.
        var rows = new List<(int Item, int Continuation, int[] Prompt)>();
        for (var i = 0; i < items.Count; i++)
        {
            var continuations = items[i].Continuations;
            if (continuations.All(c => c.Count == 0))
            {
                continue;
            }
            var prompt = FitPrompt(items[i].PromptIds, continuations.Max(c => c.Count));
            for (var j = 0; j < continuations.Count; j++)
            {
                if (continuations[j].Count > 0)
                {
                    rows.Add((i, j, prompt));
                }
            }
        }
        if (rows.Count == 0)
        {
            return results;
        }

        int batch = rows.Count, promptWidth = rows.Max(r => r.Prompt.Length);
        var longest = rows.Max(r => items[r.Item].Continuations[r.Continuation].Count);
        var width = promptWidth + longest;
        var eos = Tokenizer.EndOfTextId;
        var ids = new long[batch * width];
        var maskHost = new long[batch * width];
        var targets = new long[batch * longest];
        for (var r = 0; r < batch; r++)
        {
            var (item, j, prompt) = rows[r];
            var continuation = items[item].Continuations[j];
            var pad = promptWidth - prompt.Length;
            for (var c = 0; c < width; c++)
            {
                var k = c - promptWidth; // index into the continuation
                ids[r * width + c] = c < pad ? eos : c < promptWidth ? prompt[c - pad] : k < continuation.Count ? continuation[k] : eos;
                maskHost[r * width + c] = c < pad ? 0 : 1;
            }
            for (var t = 0; t < continuation.Count; t++)
            {
                targets[r * longest + t] = continuation[t];
            }
        }
        var padded = rows.Any(r => r.Prompt.Length != promptWidth);

        var wasTraining = Module.training;
        Module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            // Left padding keeps every prompt's last token in column promptWidth - 1; right padding after a
            // continuation cannot affect it (causal attention).
            var mask = padded ? tensor(maskHost, [batch, width], device: Device) : null;
            var hidden = Module.HiddenStates(tensor(ids, [batch, width], device: Device), mask);
            var logits = Module.Logits(hidden.narrow(1, promptWidth - 1, longest)).to(ScalarType.Float32);
            var picked = nn.functional.log_softmax(logits, 2)
                .gather(2, tensor(targets, [batch, longest, 1], device: Device))
                .cpu().data<float>().ToArray();
            for (var r = 0; r < batch; r++)
            {
                var result = results[rows[r].Item][rows[r].Continuation];
                for (var t = 0; t < result.Length; t++)
                {
                    result[t] = picked[r * longest + t];
                }
            }
        }
        finally
        {
            if (wasTraining)
            {
                Module.train();
            }
        }
        return results;
    }

    /// <summary>Runs <paramref name="work"/> on the torch thread, refusing once the model is disposed.</summary>
    private Task<T> RunExclusiveAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return TorchThread.RunAsync(() =>
        {
            ObjectDisposedException.ThrowIf(moduleDisposed, this); // queued before Dispose, reached after it
            return work();
        }, cancellationToken);
    }

    /// <summary>Lets calls queued before it finish, then frees the weights (on the torch thread).</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        TorchThread.RunAsync(() =>
        {
            if (!moduleDisposed)
            {
                moduleDisposed = true;
                Module.Dispose();
            }
            return true;
        }).GetAwaiter().GetResult();
    }
}
